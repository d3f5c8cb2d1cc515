import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import { Conversation } from '../src/conversation/conversation.js';
import type { Message, UserInput } from '../src/conversation/messages.js';
import { ServiceCaseDesk } from '../src/conversation/service-case-desk.js';
import type { ConversationState } from '../src/conversation/state.js';
import { answerChanges } from '../src/cases/service.js';
import { clock, service } from './cases-helpers.js';
import { knowledge } from './helpers.js';

beforeAll(() => nock.disableNetConnect());

/** Issue 14, item 5: only procedures open cases; a change of answers revises the case until it is submitted. */
async function desk() {
  const time = clock('2026-11-23T02:00:00Z');
  const s = await service(undefined, time.now);
  const conversation = new Conversation(knowledge(), { today: () => '2026-11-23', cases: new ServiceCaseDesk(s.cases) });
  let state: ConversationState = conversation.newState('zh-CN');
  const send = async (input: UserInput | string): Promise<Message[]> => {
    const r = await conversation.turn(state, typeof input === 'string' ? { text: input } : input, { channel: 'test' });
    state = r.state;
    return r.messages;
  };
  const outcomeOf = (messages: Message[]) => messages.find((m): m is Extract<Message, { type: 'outcome' }> => m.type === 'outcome');
  const all = async () => (await s.store.list({ offset: 0, limit: 100 })).items;
  return { ...s, time, send, outcomeOf, all };
}

describe('only outcomes that are procedures open a case', () => {
  it('a "not yet" outcome (the online update window not open) opens none', async () => {
    const d = await desk();
    await d.send('证书2027年3月31日到期，银色的key');
    const outcome = d.outcomeOf(await d.send('有'));
    expect(outcome?.outcome.rule).toBe('update-not-yet');
    expect(outcome?.case).toBeUndefined();
    expect(await d.all()).toEqual([]);
  });

  it('the 4.3.1 guide alone opens none', async () => {
    const d = await desk();
    const outcome = d.outcomeOf(await d.send('查看证书是否有18位代码'));
    expect(outcome?.outcome.rule).toBe('check-code');
    expect(outcome?.outcome.guide?.id).toBe('check-code');
    expect(outcome?.outcome.procedures).toEqual([]);
    expect(outcome?.case).toBeUndefined();
    expect(await d.all()).toEqual([]);
  });

  it('a default-password answer opens none', async () => {
    const d = await desk();
    await d.send('密码锁了');
    const outcome = d.outcomeOf(await d.send('登录密码'));
    expect(outcome?.outcome.rule).toBe('login-password');
    expect(outcome?.case).toBeUndefined();
    expect(await d.all()).toEqual([]);
  });

  it('a procedure does', async () => {
    const d = await desk();
    let last: Message[] = [];
    for (const line of ['第一次申请', '线下', '内资']) last = await d.send(line);
    expect(d.outcomeOf(last)?.case?.reference).toMatch(/^EK-20261123-/);
    expect((await d.all()).map((c) => c.procedures)).toEqual([['first-offline']]);
  });
});

describe('changing an answer after the outcome', () => {
  async function firstOffline() {
    const d = await desk();
    let last: Message[] = [];
    for (const line of ['第一次申请', '线下', '内资']) last = await d.send(line);
    const reference = d.outcomeOf(last)?.case?.reference as string;
    expect(reference).toMatch(/^EK-/);
    return { ...d, reference };
  }

  it('before submission, updates the same case with the new procedure, lifecycle and dates, and notes the change', async () => {
    const d = await firstOffline();
    d.time.set('2026-11-24T02:00:00Z');
    await d.send({ change: 'applyMode' });
    const outcome = d.outcomeOf(await d.send('在线'));
    expect(outcome?.outcome.rule).toBe('first-online');
    expect(outcome?.case?.reference).toBe(d.reference);
    expect(outcome?.case?.referenceText).toContain('编号不变');
    const cases = await d.all();
    expect(cases).toHaveLength(1);
    const c = cases[0];
    expect(c).toMatchObject({ reference: d.reference, procedures: ['first-online'], rule: 'first-online', status: 'advised', tracked: 'first-online' });
    expect(c?.history.at(-1)).toMatchObject({ status: 'advised', on: '2026-11-24', changedFrom: ['first-offline'] });
    // Which answer changed, as it was and as it is: the other answers of the consultation stayed.
    expect(c?.history.at(-1)?.changedAnswers).toEqual([{ question: 'applyMode', from: 'offline', to: 'online' }]);
    expect(c?.expected[0]?.start).toBe('2026-11-24');
  });

  it('a correction in words ("不对，…") updates the same case too, and the same answers again keep it', async () => {
    const d = await desk();
    let last: Message[] = [];
    for (const line of ['钥匙丢了，内资企业']) last = await d.send(line);
    const reference = d.outcomeOf(last)?.case?.reference as string;
    expect(reference).toMatch(/^EK-/);
    const corrected = d.outcomeOf(await d.send('说错了，其实是外资企业'));
    expect(corrected?.case?.reference).toBe(reference);
    expect((await d.all()).map((c) => [c.reference, c.answers.enterpriseType])).toEqual([[reference, 'foreign']]);
  });

  it('an answer changed back to what it was keeps the case as it was, with no revision noted', async () => {
    const d = await desk();
    let last: Message[] = [];
    for (const line of ['补办', '丢失', '内资']) last = await d.send(line);
    const reference = d.outcomeOf(last)?.case?.reference as string;
    expect(reference).toMatch(/^EK-/);
    // The question is asked again and answered as before: the answers are the same, if not in the same order.
    await d.send({ change: 'lossKind' });
    last = await d.send('丢失');
    if (!d.outcomeOf(last)) last = await d.send('内资');
    const again = d.outcomeOf(last);
    expect(again?.case?.reference).toBe(reference);
    expect(again?.case?.referenceText).not.toContain('编号不变');
    const cases = await d.all();
    expect(cases).toHaveLength(1);
    expect(cases[0]?.history).toHaveLength(1);
  });

  it('after submission, opens a new case and says so; the submitted one stays as it was', async () => {
    const d = await firstOffline();
    await d.cases.transition(d.reference, { to: 'submitted', agent: '刘洋' });
    await d.send({ change: 'applyMode' });
    const outcome = d.outcomeOf(await d.send('在线'));
    const fresh = outcome?.case?.reference as string;
    expect(fresh).toMatch(/^EK-/);
    expect(fresh).not.toBe(d.reference);
    expect(outcome?.case?.referenceText).toContain(`业务 ${d.reference} 已提交办理`);
    expect(outcome?.case?.referenceText).toContain(fresh);
    expect(await d.cases.require(d.reference)).toMatchObject({ status: 'submitted', procedures: ['first-offline'] });
    expect(await d.cases.require(fresh)).toMatchObject({ status: 'advised', procedures: ['first-online'] });
  });

  it('a new consultation after "restart" is another matter: a new case, the first one untouched', async () => {
    const d = await firstOffline();
    await d.send('重新开始');
    let last: Message[] = [];
    for (const line of ['第一次申请', '在线', '内资']) last = await d.send(line);
    const fresh = d.outcomeOf(last)?.case?.reference as string;
    expect(fresh).not.toBe(d.reference);
    expect(d.outcomeOf(last)?.case?.referenceText).not.toContain(d.reference);
    expect((await d.cases.require(d.reference)).procedures).toEqual(['first-offline']);
  });
});

describe('the answers a revision changed', () => {
  it('lists each changed answer as it was and as it is, in the new order, then those no longer given; none when they are the same in any order', () => {
    const before = { need: 'replace', lossKind: 'lost', enterpriseType: 'domestic', keyColour: 'silver' };
    const after = { need: 'replace', enterpriseType: 'foreign', lossKind: 'lost', applyMode: 'online' };
    expect(answerChanges(before, after)).toEqual([
      { question: 'enterpriseType', from: 'domestic', to: 'foreign' },
      { question: 'applyMode', to: 'online' },
      { question: 'keyColour', from: 'silver' },
    ]);
    expect(answerChanges(before, { keyColour: 'silver', enterpriseType: 'domestic', lossKind: 'lost', need: 'replace' })).toEqual([]);
  });
});
