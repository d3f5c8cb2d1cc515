import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { enumeratePaths } from '../src/consult/enumerate.js';
import type { Language } from '../src/knowledge/schema.js';
import type { BotActivity } from '../src/render/activity.js';
import { adaptiveCardProblems, cardObjects } from './adaptive-card-check.js';
import { activity, outcomeActivity, post, replies, shownQuestion, startBot, useBot } from './botframework-server.js';
import { conversation } from './helpers.js';

const c = conversation();
// Paths that begin with an answer only ever said (an unprompted question) have no button to walk them by.
const paths = (await enumeratePaths(c.consultation)).filter((p) => !Object.keys(p.answers).some((q) => c.consultation.unprompted().some((u) => u.id === q)));

// No network for this file; useBot() opens loopback alone, for the service under test.
nock.disableNetConnect();
const bot = useBot();

const say = async (conv: string, over: Record<string, unknown>, locale: string = 'zh-CN') => replies(await post(bot(), activity({ conversation: { id: conv }, locale, ...over })));

function toggleTitles(a: BotActivity | undefined): string[] {
  return cardObjects(a?.attachments?.map((x) => x.content))
    .filter((o) => o.type === 'Input.Toggle')
    .map((o) => String(o.title));
}

describe.each([
  ['zh-CN', 'zh-CN'],
  ['en', 'en-US'],
] as const)('expectReplies, %s: every path of the consultation through the HTTP endpoint', (lang: Language, locale) => {
  const t = c.t(lang);

  it('greets on conversationUpdate (a user added, not the bot) with the greeting and the first question', async () => {
    const acts = await say(`greet-${lang}`, { type: 'conversationUpdate', text: undefined, membersAdded: [{ id: 'user-1' }, { id: 'bot-1' }] }, locale);
    expect(acts[0]?.text).toContain(t('ui:greeting'));
    expect(acts.every((a) => a.locale === lang && a.type === 'message')).toBe(true);
    expect(shownQuestion(acts)?.id).toBeTruthy();
  });

  it('says nothing when only the bot joins', async () => {
    expect(await say(`bot-only-${lang}`, { type: 'conversationUpdate', text: undefined, membersAdded: [{ id: 'bot-1' }] }, locale)).toEqual([]);
  });

  it(`walks each of the ${paths.length} answer paths with buttons to its outcome: one valid card listing every material`, async () => {
    for (const [i, path] of paths.entries()) {
      const conv = `path-${lang}-${i}`;
      let acts = await say(conv, { type: 'conversationUpdate', text: undefined, membersAdded: [{ id: 'user-1' }] }, locale);
      for (let turn = 0; turn < 8 && !outcomeActivity(acts); turn++) {
        const q = shownQuestion(acts);
        if (!q) throw new Error(`path ${i}: neither question nor outcome: ${JSON.stringify(acts)}`);
        expect(q.id in path.answers, `path ${i} asked ${q.id}`).toBe(true);
        expect(acts.find((a) => a.inputHint === 'expectingInput')?.text).toBe(t(`questions:${q.id}.prompt`));
        const button = q.buttons.find((b) => b.value.answer === path.answers[q.id]);
        expect(button?.title).toBe(t(`questions:${q.id}.options.${path.answers[q.id]}`));
        // As Web Chat and the Emulator send a messageBack: the label as text, the {question, answer} as value.
        acts = await say(conv, { text: button?.title, value: button?.value }, locale);
      }
      const out = outcomeActivity(acts);
      expect(out, `path ${i}`).toBeDefined();
      // The outcome once: a card and no text beside it.
      expect(out?.text).toBeUndefined();
      expect(out?.attachments?.[0]?.content.fallbackText).toContain(t(`outcomes:${path.outcome.rule}`));
      expect(adaptiveCardProblems(out?.attachments?.[0]?.content)).toEqual([]);
      const titles = toggleTitles(out);
      const materials = path.outcome.procedures.flatMap((p) => p.materials.map((m) => t(`materials:${m.material}`)));
      expect(titles).toHaveLength(materials.length);
      materials.forEach((name, j) => expect(titles[j]?.startsWith(name)).toBe(true));
    }
  }, 120_000);
});

describe('expectReplies with free text', () => {
  it('understands a first message that answers several questions and keeps conversations apart', async () => {
    const a = await say('free-a', { text: '钥匙丢了' });
    const b = await say('free-b', { text: 'I lost my key' }, 'en');
    expect(a[0]?.locale).toBe('zh-CN');
    expect(b[0]?.locale).toBe('en');
    const qa = shownQuestion(a);
    const qb = shownQuestion(b);
    expect(qa?.id).toBeDefined();
    expect(qb?.id).toBe(qa?.id);
    // Answering in one conversation does not move the other.
    const answered = await say('free-a', { text: '1' });
    expect(shownQuestion(answered)?.id ?? 'outcome').not.toBe(qa?.id);
    const again = await say('free-b', { text: 'help' }, 'en');
    expect(shownQuestion(again)?.id).toBe(qb?.id);
  });

  it('takes the language of the first activity that says one: a conversationUpdate without a locale does not fix it', async () => {
    const t = c.t('en');
    await say('lang-late', { type: 'conversationUpdate', text: undefined, locale: undefined, membersAdded: [{ id: 'user-1' }] });
    const english = await say('lang-late', { text: 'I lost my key' }, 'en-US');
    expect(english.map((a) => a.text ?? '').join('\n')).toContain(t('questions:enterpriseType.prompt'));
    // A locale that is neither: the words decide.
    const french = await say('lang-fr', { text: 'our usb key is broken' }, 'fr-FR');
    expect(french.map((a) => a.text ?? '').join('\n')).toContain(t('questions:enterpriseType.prompt'));
    // The language follows what the user writes, whatever the client's locale says.
    const follows = await say('lang-late', { text: '内资' }, 'en-US');
    expect(follows.find((a) => a.channelData?.ekey.outcome)?.locale).toBe('zh-CN');
    const digits = await say('lang-fr', { text: '1' }, 'zh-CN');
    expect(digits.every((a) => a.locale === 'en')).toBe(true);
  });

  it('a conversation survives a restart of the server (same EKEY_DATA_DIR)', async () => {
    // A server of its own: one process owns a data folder, so the first stops before the second starts.
    const first = await startBot();
    const q = shownQuestion(replies(await post(first, activity({ conversation: { id: 'restart-proof' }, text: '钥匙丢了' }))));
    await first.app.close();
    const other = await startBot({ EKEY_DATA_DIR: first.dataDir });
    try {
      const acts = replies(await post(other, activity({ conversation: { id: 'restart-proof' }, text: '帮助' })));
      expect(shownQuestion(acts)?.id).toBe(q?.id);
      expect(acts.some((a) => a.text?.includes(c.t('zh-CN')('ui:greeting')))).toBe(false);
    } finally {
      await other.close();
    }
  });
});
