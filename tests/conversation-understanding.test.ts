import { describe, expect, it } from 'vitest';
import type { Message } from '../src/conversation/messages.js';
import { chat, conversation, knowledge, questionId } from './helpers.js';

/** Issue 11 in the conversation: the line of what was understood, corrections, commands in a sentence, the ranked fallback, out of scope. */
const understood = (messages: Message[]) => messages.find((m) => m.type === 'understood');
const rule = (messages: Message[]) => {
  const o = messages.find((m) => m.type === 'outcome');
  return o?.type === 'outcome' ? o.outcome.rule : undefined;
};
const t = conversation().t('zh-CN');
const phone = knowledge().contacts.hotline?.value ?? '';

describe('what was understood', () => {
  it('is said back in one line after a message that answered something, one item per answer', async () => {
    const r = await chat(['外资企业，证书2027-01-05到期，钥匙是银色的']);
    const line = understood(r.last);
    expect(line?.type).toBe('understood');
    if (line?.type !== 'understood') return;
    // In the order the questions are asked; "到期" also names the renewal.
    const labels = [
      t('questions:need.options.update'),
      t('ui:understood.expiryDate', { date: '2027-01-05' }),
      t('questions:keyColour.options.silver'),
      t('questions:enterpriseType.options.foreign'),
    ];
    expect(line.text).toBe(`已记录：${labels.join('；')}`);
    expect(line.items.map((i) => i.question)).toEqual(['need', 'expiry', 'keyColour', 'enterpriseType']);
    expect(line.items.every((i) => !i.changed)).toBe(true);
  });

  it('is not said for a message that answered nothing, nor for a button', async () => {
    const r = await chat(['你好']);
    expect(understood(r.last)).toBeUndefined();
    const c = conversation();
    const first = await c.turn(c.newState('zh-CN'), { text: '钥匙丢了' });
    const pressed = await c.turn(first.state, { question: 'enterpriseType', answer: 'domestic' });
    expect(understood(pressed.messages)).toBeUndefined();
    expect(rule(pressed.messages)).toBe('replacement-lost');
  });
});

describe('corrections', () => {
  it('change one answer in the middle of a consultation and say what changed', async () => {
    const r = await chat(['首次申领', '内资企业', '不对，我们是外资企业']);
    const line = understood(r.last);
    expect(line?.type === 'understood' ? line.text : '').toBe(`已将${t('questions:enterpriseType.label')}改为：${t('questions:enterpriseType.options.foreign')}`);
    expect(r.state.answers).toMatchObject({ need: 'first', enterpriseType: 'foreign' });
  });

  it('after the outcome, decide again with the changed answer instead of starting anew', async () => {
    const r = await chat(['钥匙丢了，内资企业', '说错了，其实是外资企业']);
    expect(rule(r.turns[0] ?? [])).toBe('replacement-lost');
    const line = understood(r.last);
    expect(line?.type === 'understood' && line.items[0]).toMatchObject({ question: 'enterpriseType', changed: true });
    expect(rule(r.last)).toBe('replacement-lost');
    expect(r.state.answers).toMatchObject({ enterpriseType: 'foreign', lossKind: 'lost' });
    const o = r.last.find((m) => m.type === 'outcome');
    expect(o?.type === 'outcome' ? o.outcome.why : undefined).toContainEqual(expect.objectContaining({ question: 'enterpriseType', answer: 'foreign' }));
  });

  it('without a correction word, a new message after the outcome starts a new consultation', async () => {
    const r = await chat(['钥匙丢了，内资企业', '证书快到期了']);
    expect(r.state.answers.enterpriseType).toBeUndefined();
  });
});

describe('commands inside a sentence', () => {
  it('are taken when they are the request, with any answers said beside them', async () => {
    const human = await chat(['能不能帮我转人工']);
    expect(human.last.some((m) => m.type === 'text' && m.text.includes(phone))).toBe(true);
    const both = await chat(['钥匙丢了，能帮我转人工吗']);
    expect(both.state.answers).toMatchObject({ lossKind: 'lost' });
    expect(both.last.some((m) => m.type === 'text' && m.text.includes(phone))).toBe(true);
    const english = await chat(['English please']);
    expect(english.state.lang).toBe('en');
  });

  it('are not taken when named in passing', async () => {
    const r = await chat(['我不需要转人工，钥匙丢了']);
    expect(r.last.some((m) => m.type === 'text' && m.text === t('ui:human', { phone, site: knowledge().contacts.serviceSite?.value }))).toBe(false);
    expect(r.state.answers).toMatchObject({ lossKind: 'lost' });
  });
});

describe('when nothing is understood', () => {
  it('answers a question out of scope with what the assistant covers and the hotline, never an invented fact', async () => {
    const r = await chat(['你们几点上班']);
    expect(r.last.find((m) => m.type === 'text' && m.role === 'notice')).toMatchObject({ text: t('ui:outOfScope', { phone }) });
    expect(questionId(r.last)).toBe('need');
  });

  it('never shows the full menu twice in a row: the second time the hotline and three choices', async () => {
    const r = await chat(['随便看看', '啊啊啊', '嗯嗯嗯嗯']);
    const menus = r.turns.map((turn) => {
      const q = turn.find((m) => m.type === 'question');
      return q?.type === 'question' ? q.question.options.length : 0;
    });
    const full = knowledge().questions.get('need')?.options.length ?? 0;
    for (let i = 1; i < menus.length; i++) expect(menus[i - 1] === full && menus[i] === full, JSON.stringify(menus)).toBe(false);
    const handoff = r.turns.flat().find((m) => m.type === 'text' && m.text === t('ui:handoff', { phone }));
    expect(handoff).toBeDefined();
  });

  it('offers only the two or three likeliest needs as a choice, and a number counts in them', async () => {
    const c = conversation();
    let state = c.newState('zh-CN');
    state = (await c.turn(state, { text: '你好' })).state;
    // A state as the ranked choice leaves it: two needs offered.
    state = { ...state, pending: 'need', offered: ['revoke', 'replace'] };
    const r = await c.turn(state, { text: '2' });
    expect(r.state.answers.need).toBe('replace');
  });
});
