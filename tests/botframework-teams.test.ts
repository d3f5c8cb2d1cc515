import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { enumeratePaths } from '../src/consult/enumerate.js';
import { adaptiveCardProblems, cardObjects } from './adaptive-card-check.js';
import { activity, outcomeActivity, post, replies, shownQuestion, useBot } from './botframework-server.js';
import { conversation } from './helpers.js';

const c = conversation();
const t = c.t('zh-CN');
// Paths that begin with an answer only ever said (an unprompted question) have no button to walk them by.
const paths = (await enumeratePaths(c.consultation)).filter((p) => !Object.keys(p.answers).some((q) => c.consultation.unprompted().some((u) => u.id === q)));
// The path that asks the most questions, most materials breaking ties: the longest walk through Teams.
const path = [...paths].sort(
  (a, b) => b.asked.length - a.asked.length || b.outcome.procedures.flatMap((p) => p.materials).length - a.outcome.procedures.flatMap((p) => p.materials).length,
)[0]!;

// No network for this file; useBot() opens loopback alone, for the service under test.
nock.disableNetConnect();
const bot = useBot();

const teams = (conv: string, over: Record<string, unknown>) =>
  post(bot(), activity({ channelId: 'msteams', conversation: { id: conv, conversationType: 'personal' }, locale: 'zh-CN', text: undefined, ...over })).then(replies);

describe('Teams (channelId "msteams")', () => {
  it("shows every question as an Adaptive Card whose Action.Submit buttons carry {question, answer}; an old card's button changes nothing", async () => {
    const conv = 'teams-walk';
    let acts = await teams(conv, { type: 'conversationUpdate', membersAdded: [{ id: 'user-1' }] });
    const first = shownQuestion(acts);
    expect(first?.via).toBe('card');
    expect(first?.buttons.length).toBeGreaterThan(3);
    // Teams shows at most three suggested actions: they are the controls (back, restart, a person), the options are on the card.
    for (const a of acts) expect(a.suggestedActions?.actions.length ?? 0).toBeLessThanOrEqual(3);
    expect(acts.flatMap((a) => a.suggestedActions?.actions ?? []).every((x) => 'command' in x.value)).toBe(true);
    const firstCard = acts.find((a) => a.attachments?.length)?.attachments?.[0];
    expect(firstCard?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(adaptiveCardProblems(firstCard?.content)).toEqual([]);
    for (const b of first?.buttons ?? []) expect(Object.keys(b.value).sort()).toEqual(['answer', 'question']);

    const answered: string[] = [];
    const oldButtons: { question: string; answer: string }[] = [];
    for (let turn = 0; turn < 8 && !outcomeActivity(acts); turn++) {
      const q = shownQuestion(acts);
      if (!q) throw new Error(`neither question nor outcome: ${JSON.stringify(acts)}`);
      expect(q.via).toBe('card');
      const press = q.buttons.find((b) => b.value.answer === path.answers[q.id]);
      if (!press) throw new Error(`no button ${path.answers[q.id]} for ${q.id}`);
      // A different option of the same card, pressed later from the chat history.
      const other = q.buttons.find((b) => b.value.answer !== press.value.answer);
      if (other) oldButtons.push(other.value);
      // Teams sends an Action.Submit as a message whose value is the button's data and which has no text.
      acts = await teams(conv, { value: press.value });
      answered.push(q.id);
      const stale = oldButtons[0];
      if (stale && !outcomeActivity(acts)) {
        const current = shownQuestion(acts)?.id;
        const after = await teams(conv, { value: stale });
        expect(after.some((a) => a.text === t('ui:staleButton'))).toBe(true);
        expect(shownQuestion(after)?.id).toBe(current);
        acts = after;
      }
    }
    expect(answered).toEqual(path.asked);

    const out = outcomeActivity(acts);
    const card = out?.attachments?.[0]?.content as unknown as Record<string, unknown>;
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' });
    const toggles = cardObjects(card).filter((o) => o.type === 'Input.Toggle');
    const materials = path.outcome.procedures.flatMap((p) => p.materials.map((m) => t(`materials:${m.material}`)));
    expect(materials.length).toBeGreaterThan(0);
    expect(toggles).toHaveLength(materials.length);
    materials.forEach((name, i) => expect(String(toggles[i]?.title).startsWith(name)).toBe(true));
    // The reasons on the card are the answers given, not the stale button's.
    const texts = cardObjects(card)
      .filter((o) => o.type === 'TextBlock')
      .map((o) => String(o.text));
    for (const w of path.outcome.why) expect(texts.some((x) => x.includes(t(`questions:${w.question}.options.${w.answer}`)))).toBe(true);
    for (const s of oldButtons)
      if (s.question !== undefined && path.answers[s.question] !== s.answer)
        expect(texts.some((x) => x.includes(`${t(`questions:${s.question}.label`)}：${t(`questions:${s.question}.options.${s.answer}`)}`))).toBe(false);
  });

  it('a button from a finished consultation does not change it', async () => {
    const conv = 'teams-finished';
    let acts = await teams(conv, { type: 'conversationUpdate', membersAdded: [{ id: 'user-1' }] });
    let firstButton: { question: string; answer: string } | undefined;
    for (let turn = 0; turn < 8 && !outcomeActivity(acts); turn++) {
      const q = shownQuestion(acts)!;
      const press = q.buttons.find((b) => b.value.answer === path.answers[q.id])!;
      firstButton ??= press.value;
      acts = await teams(conv, { value: press.value });
    }
    const after = await teams(conv, { value: firstButton });
    expect(after.map((a) => a.text)).toEqual([t('ui:staleButtonFinished')]);
  });

  it('in a group chat, the @mention of the bot is not part of the answer, and each member has a consultation of their own', async () => {
    const group = { id: '19:group@thread.v2', conversationType: 'groupChat', isGroup: true };
    const mention = (user: string, text: string) =>
      post(
        bot(),
        activity({
          channelId: 'msteams',
          conversation: group,
          from: { id: user },
          text: `<at>电子钥匙助手</at> ${text}`,
          entities: [{ type: 'mention', text: '<at>电子钥匙助手</at>', mentioned: { id: 'bot-1', name: '电子钥匙助手' } }],
        }),
      ).then(replies);
    const alone = replies(await post(bot(), activity({ channelId: 'msteams', conversation: { id: 'teams-alone' }, text: '钥匙丢了' })));
    const a = await mention('user-a', '钥匙丢了');
    expect(shownQuestion(a)?.id).toBe(shownQuestion(alone)?.id);
    const b = await mention('user-b', '帮助');
    // user-b has not said what they need: their consultation starts from its first question.
    expect(shownQuestion(b)?.id).not.toBe(shownQuestion(a)?.id);
  });
});
