import { describe, expect, it } from 'vitest';
import type { Message } from '../src/conversation/messages.js';
import { renderActivities } from '../src/render/activity.js';
import { outcomeView } from '../src/render/outcome-view.js';
import { questionView } from '../src/render/question-view.js';
import { adaptiveCardProblems, cardObjects } from './adaptive-card-check.js';
import { chat, conversation, knowledge } from './helpers.js';
import { enumeratePaths } from '../src/consult/enumerate.js';
import { outcomeMarkdown } from '../src/render/outcome-markdown.js';

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
  it('is Markdown in the conversation language, each line its own paragraph', () => {
    const [a] = renderActivities([{ type: 'text', text: 'a\nb' }], c.t('en'), { channelId: 'emulator', lang: 'en' });
    expect(a).toEqual({ type: 'message', text: 'a\n\nb', textFormat: 'markdown', locale: 'en' });
  });
});

describe('outcomes', async () => {
  const paths = await enumeratePaths(c.consultation);
  const outcomes = [...new Map(paths.map((p) => [JSON.stringify(p.outcome.procedures.map((x) => x.id).concat(p.outcome.rule)), p.outcome])).values()];

  it.each(['zh-CN', 'en'] as const)('every distinct outcome (%s) is Markdown text plus a valid Adaptive Card 1.5 with a toggle per material', (lang) => {
    const t = c.t(lang);
    for (const o of outcomes) {
      const markdown = outcomeMarkdown(o, t);
      const [a] = renderActivities([{ type: 'outcome', outcome: o, markdown }], t, { channelId: 'msteams', lang });
      expect(a?.text).toBe(markdown);
      const card = a?.attachments?.[0]?.content;
      expect(adaptiveCardProblems(card), o.rule).toEqual([]);
      const toggles = cardObjects(card).filter((x) => x.type === 'Input.Toggle');
      const v = outcomeView(o, t);
      expect(toggles.map((x) => x.title)).toEqual(v.procedures.flatMap((p) => p.materials.map((m) => m.text)));
      const text = cardObjects(card).filter((x) => x.type === 'TextBlock').map((x) => String(x.text)).join('\n');
      for (const line of [v.title, v.summary, ...v.why, ...v.passwords, ...v.contacts, ...v.procedures.flatMap((p) => [p.heading, ...p.steps.map((s) => s.text), ...p.times, ...p.notes, ...p.passwords, ...p.contacts])])
        expect(text, o.rule).toContain(line);
    }
  });

  it('a whole chat ends in an outcome whose card lists each material by the handbook name', async () => {
    const r = await chat(['钥匙丢了', '内资企业'], 'zh-CN');
    const acts = renderActivities(r.last, c.t('zh-CN'), { channelId: 'webchat', lang: 'zh-CN' });
    const withCard = acts.find((a) => a.attachments?.length);
    if (r.outcome?.type !== 'outcome') return expect.fail('no outcome');
    const names = r.outcome.outcome.procedures.flatMap((p) => p.materials.map((m) => c.t('zh-CN')(`materials:${m.material}`)));
    const titles = cardObjects(withCard?.attachments?.[0]?.content).filter((x) => x.type === 'Input.Toggle').map((x) => String(x.title));
    for (const n of names) expect(titles.some((t) => t.startsWith(n))).toBe(true);
  });
});
