import { describe, expect, it } from 'vitest';
import type { Message } from '../src/conversation/messages.js';
import { renderActivities } from '../src/render/activity.js';
import { outcomeView } from '../src/conversation/outcome-view.js';
import { questionView } from '../src/conversation/question-view.js';
import { adaptiveCardProblems, cardObjects } from './adaptive-card-check.js';
import { chat, conversation, knowledge } from './helpers.js';
import { enumeratePaths } from '../src/consult/enumerate.js';
import { cardText } from '../src/render/adaptive-card.js';
import { plainParts } from '../src/render/plain-text.js';

const c = conversation();
const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';

function question(id: string, lang: 'zh-CN' | 'en' = 'zh-CN'): Message {
  const q = knowledge().questions.get(id);
  if (!q) throw new Error(`no question ${id}`);
  return { type: 'question', question: questionView(q, c.t(lang)) };
}

describe('questions', () => {
  it('a question of up to three options elsewhere than Teams: prompt as text, options as messageBack actions carrying {question, answer}', () => {
    const [a] = renderActivities([question('keyColour')], c.t('zh-CN'), { channelId: 'emulator', lang: 'zh-CN' });
    const q = knowledge().questions.get('keyColour');
    expect(a?.text).toBe(c.t('zh-CN')('questions:keyColour.prompt'));
    expect(a?.attachments).toBeUndefined();
    expect(a?.suggestedActions?.actions).toEqual(
      q?.options.map((o) => {
        const label = c.t('zh-CN')(`questions:keyColour.options.${o.value}`);
        return { type: 'messageBack', title: label, displayText: label, text: label, value: { question: 'keyColour', answer: o.value } };
      }),
    );
  });

  it.each(['emulator', 'msteams', 'webchat'])('on %s a question of more than three options is an Adaptive Card of Action.Submit buttons', (channelId) => {
    const [a] = renderActivities([question('need', 'en')], c.t('en'), { channelId, lang: 'en' });
    expect(a?.suggestedActions).toBeUndefined();
    const card = a?.attachments?.[0];
    expect(card?.contentType).toBe(ADAPTIVE);
    expect(adaptiveCardProblems(card?.content)).toEqual([]);
    const buttons = cardObjects(card?.content).filter((o) => o.type === 'Action.Submit');
    const q = knowledge().questions.get('need');
    expect(buttons.map((b) => b.data)).toEqual(q?.options.map((o) => ({ question: 'need', answer: o.value })));
    expect(buttons.map((b) => b.title)).toEqual(q?.options.map((o) => c.t('en')(`questions:need.options.${o.value}`)));
  });

  it('in Teams even a two-option question is a card, since suggested actions show only in personal chats', () => {
    const [a] = renderActivities([question('enterpriseType')], c.t('zh-CN'), { channelId: 'msteams', lang: 'zh-CN' });
    expect(a?.suggestedActions).toBeUndefined();
    expect(cardObjects(a?.attachments?.[0]?.content).filter((o) => o.type === 'Action.Submit')).toHaveLength(2);
  });
});

describe('text', () => {
  it('is plain text in the conversation language: no Markdown is read in it', () => {
    const [a] = renderActivities([{ type: 'text', text: 'O=*****\n1. a' }], c.t('en'), { channelId: 'emulator', lang: 'en' });
    expect(a).toEqual({ type: 'message', text: 'O=*****\n1. a', textFormat: 'plain', locale: 'en' });
  });
});

describe('card text', () => {
  it("escapes Markdown so that the handbook's words show as written, and makes an address a link of its own characters only", () => {
    expect(cardText('查看是否包含“O=*****”项')).toBe('查看是否包含“O=\\*\\*\\*\\*\\*”项');
    expect(cardText('3. 【企业】提交')).toBe('3\\. 【企业】提交');
    expect(cardText('登录 http://careg.ec.com.cn/busLoginController.do?toLogin 提交申请')).toBe(
      '登录 [http://careg.ec.com.cn/busLoginController.do?toLogin](http://careg.ec.com.cn/busLoginController.do?toLogin) 提交申请',
    );
    expect(cardText('服务网址：www.licence.org.cn。')).toBe('服务网址：[www.licence.org.cn](http://www.licence.org.cn)。');
  });
});

describe('outcomes', async () => {
  const paths = await enumeratePaths(c.consultation);
  const outcomes = [...new Map(paths.map((p) => [JSON.stringify(p.outcome.procedures.map((x) => x.id).concat(p.outcome.rule)), p.outcome])).values()];
  // A case note as long as a real one: the reference, the expected date of every stage and all the caveats.
  const note = (lang: 'zh-CN' | 'en') => {
    const t = c.t(lang);
    const stage = (date: string) =>
      t('ui:cases.expectedStage', { label: t('procedures:first-offline.stages.review-production'), days: t('common:workingDays', { count: 5 }), date });
    return {
      reference: 'EK-20261123-ABCDEF',
      referenceText: t('ui:cases.reference', { reference: 'EK-20261123-ABCDEF' }),
      expected: [
        t('ui:cases.expectedIntro'),
        stage('2026-11-25'),
        stage('2026-12-02'),
        stage('2026-12-09'),
        t('ui:cases.courierNotIncluded'),
        t('ui:cases.noHolidayData', { year: 2027 }),
      ],
      checklist: { kind: 'checklist' as const, title: t('ui:cases.checklist'), path: '/cases/EK-20261123-ABCDEF/checklist' },
      offer: t('ui:cases.offerContact'),
    };
  };
  const message = (o: (typeof outcomes)[number], lang: 'zh-CN' | 'en'): Message => ({
    type: 'outcome',
    outcome: o,
    view: outcomeView(o, c.t(lang), lang),
    case: note(lang),
    controls: [
      { command: 'back', title: c.t(lang)('ui:controls.back') },
      { command: 'restart', title: c.t(lang)('ui:controls.restart') },
      { command: 'human', title: c.t(lang)('ui:controls.human') },
    ],
  });

  it.each(['zh-CN', 'en'] as const)('every distinct outcome (%s) is ONE activity: a valid Adaptive Card 1.5, no Markdown text beside it, under 25 KB for Teams', (lang) => {
    const t = c.t(lang);
    for (const o of outcomes) {
      const m = message(o, lang);
      const acts = renderActivities([m], t, { channelId: 'msteams', lang, links: { base: 'https://ekey.example.gov.cn' } });
      expect(acts).toHaveLength(1);
      const [a] = acts;
      expect(a?.text).toBeUndefined();
      expect(Buffer.byteLength(JSON.stringify(a), 'utf8'), o.rule).toBeLessThan(25 * 1024);
      const card = a?.attachments?.[0]?.content;
      expect(adaptiveCardProblems(card), o.rule).toEqual([]);
      const toggles = cardObjects(card).filter((x) => x.type === 'Input.Toggle');
      const v = outcomeView(o, t, lang);
      expect(toggles.map((x) => x.title)).toEqual(v.procedures.flatMap((p) => p.materials.map((x) => x.text)));
      const blocks = cardObjects(card)
        .filter((x) => x.type === 'TextBlock')
        .map((x) => String(x.text));
      const text = blocks.join('\n');
      for (const line of [
        v.summary,
        ...v.why.map((w) => w.text),
        ...v.passwords,
        ...v.contacts,
        ...v.procedures.flatMap((p) => [p.heading, ...p.steps.map((s) => s.text), ...p.times, ...p.notes, ...p.passwords, ...p.contacts]),
      ])
        expect(text, o.rule).toContain(cardText(line));
      // Every fact once on the first screen: no text block shown before anything is opened is repeated (section titles, in bold, may be).
      const onDemand = cardObjects(card).filter((x) => x.type === 'Action.ShowCard');
      const opened = new Set(onDemand.flatMap((x) => cardObjects(x.card)));
      const shown = cardObjects(card?.body)
        .filter((x) => !opened.has(x))
        .filter((x) => x.type === 'TextBlock' && x.weight !== 'Bolder')
        .map((x) => String(x.text));
      const repeated = shown.filter((b, i) => shown.indexOf(b) !== i && b.length > 12);
      // (Two procedures may each have a stage of the same length: that is a fact of each.)
      if (o.procedures.length <= 1) expect(repeated, o.rule).toEqual([]);
      // Steps numbered 1..n and kept as written: "n." is escaped, so no host restarts the list at 1.
      for (const p of v.procedures) p.steps.forEach((s, i) => expect(s.text.startsWith(`${i + 1}.`)).toBe(true));
      // Each deciding answer has its change button; the steps and the notes open on demand.
      const changes = cardObjects(card).filter((x) => x.type === 'Action.Submit' && (x.data as Record<string, unknown>)?.change);
      expect(changes.map((x) => (x.data as Record<string, string>).change)).toEqual(o.why.map((w) => w.question));
      const later = [...opened].filter((x) => x.type === 'TextBlock').map((x) => String(x.text));
      for (const p of v.procedures) for (const s of p.steps) expect(later, o.rule).toContain(cardText(s.text));
      for (const x of onDemand)
        expect(
          cardObjects(x.card).some((y) => y.type === 'TextBlock'),
          String(x.title),
        ).toBe(true);
      const urls = cardObjects(card)
        .filter((x) => x.type === 'Action.OpenUrl')
        .map((x) => String(x.url));
      expect(urls).toContain('https://ekey.example.gov.cn/cases/EK-20261123-ABCDEF/checklist');
      for (const p of o.procedures) expect(urls.some((u) => u.startsWith(`https://ekey.example.gov.cn/flowcharts/${p.id}.html`))).toBe(true);
    }
  });

  it.each(['zh-CN', 'en'] as const)("every outcome card's fallback text (%s) is the first part WeChat sends: what to do and why, the next step, the reference", (lang) => {
    const t = c.t(lang);
    const links = { base: 'https://ekey.example.gov.cn' };
    for (const o of outcomes) {
      const m = message(o, lang);
      const [a] = renderActivities([m], t, { channelId: 'directline', lang, links });
      const fallback = a?.attachments?.[0]?.content.fallbackText;
      expect(fallback, o.rule).toBe(plainParts(m, t, links)[0]);
      expect(fallback, o.rule).toContain(outcomeView(o, t, lang).summary);
      expect(fallback, o.rule).toContain(note(lang).referenceText);
    }
  });

  it("gives no link buttons where no address would work (Teams without a public URL), and root-relative ones for the widget's own page", () => {
    const o = outcomes.find((x) => x.procedures.length > 0);
    if (!o) return expect.fail('no procedure');
    const none = renderActivities([message(o, 'zh-CN')], c.t('zh-CN'), { channelId: 'msteams', lang: 'zh-CN' });
    expect(cardObjects(none).filter((x) => x.type === 'Action.OpenUrl')).toEqual([]);
    const relative = renderActivities([message(o, 'zh-CN')], c.t('zh-CN'), { channelId: 'directline', lang: 'zh-CN', links: { relative: true } });
    expect(
      cardObjects(relative)
        .filter((x) => x.type === 'Action.OpenUrl')
        .map((x) => x.url),
    ).toContain('/cases/EK-20261123-ABCDEF/checklist');
  });

  it('a whole chat ends in an outcome whose card lists each material by the handbook name', async () => {
    const r = await chat(['钥匙丢了', '内资企业'], 'zh-CN');
    const acts = renderActivities(r.last, c.t('zh-CN'), { channelId: 'webchat', lang: 'zh-CN' });
    const withCard = acts.find((a) => a.attachments?.length);
    if (r.outcome?.type !== 'outcome') return expect.fail('no outcome');
    const names = r.outcome.outcome.procedures.flatMap((p) => p.materials.map((m) => c.t('zh-CN')(`materials:${m.material}`)));
    const titles = cardObjects(withCard?.attachments?.[0]?.content)
      .filter((x) => x.type === 'Input.Toggle')
      .map((x) => String(x.title));
    for (const n of names) expect(titles.some((t) => t.startsWith(n))).toBe(true);
  });
});

describe('controls', () => {
  it('every question offers back, restart and a person as suggested actions; Teams gets the options on a card and at most three suggested actions', async () => {
    const r = await chat(['钥匙丢了'], 'zh-CN');
    const web = renderActivities(r.last, c.t('zh-CN'), { channelId: 'directline', lang: 'zh-CN' }).find((a) => a.inputHint === 'expectingInput');
    const titles = web?.suggestedActions?.actions.map((a) => a.title) ?? [];
    for (const key of ['ui:controls.back', 'ui:controls.restart', 'ui:controls.human']) expect(titles).toContain(c.t('zh-CN')(key));
    const teams = renderActivities(r.last, c.t('zh-CN'), { channelId: 'msteams', lang: 'zh-CN' }).find((a) => a.inputHint === 'expectingInput');
    expect(teams?.suggestedActions?.actions.length).toBeLessThanOrEqual(3);
    expect(cardObjects(teams?.attachments?.[0]?.content).filter((o) => o.type === 'Action.Submit').length).toBeGreaterThan(0);
  });
});
