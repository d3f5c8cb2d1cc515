import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaseQuota } from '../src/cases/case-quota.js';
import { ServiceCaseDesk } from '../src/conversation/service-case-desk.js';
import { DigitGuard } from '../src/cases/digit-guard.js';
import { Conversation } from '../src/conversation/conversation.js';
import type { Message } from '../src/conversation/messages.js';
import type { ConversationState } from '../src/conversation/state.js';
import { service, tempDir } from './cases-helpers.js';
import { knowledge } from './helpers.js';

beforeAll(() => nock.disableNetConnect());

// What the user reads: the texts, and an outcome's case note (its reference and expected dates).
const texts = (messages: Message[]) => messages.flatMap((m) => (m.type === 'text' ? [m.text] : m.type === 'outcome' && m.case ? [m.case.referenceText, ...m.case.expected] : []));
const REF = /EK-\d{8}-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6}/;
const HOTLINE = knowledge().contacts.hotline?.value as string;

async function setup(options: { dir?: string; now?: () => number; limit?: number; events?: unknown[] } = {}) {
  const dir = options.dir ?? tempDir();
  const s = await service(dir, () => new Date('2026-11-23T02:00:00Z'), { allowance: new CaseQuota(options.limit ?? 0, () => new Date('2026-11-23T02:00:00Z')) });
  const guard = DigitGuard.open(dir, { ...(options.now ? { now: options.now } : {}), onEvent: (event, fields) => options.events?.push({ event, ...fields }) });
  const desk = new ServiceCaseDesk(s.cases, guard);
  const conversation = new Conversation(knowledge(), { today: () => '2026-11-23', cases: desk });
  return { ...s, dir, conversation, desk };
}

/** One conversation; `client` stands for its key, as ConversationService gives it. */
function talk(conversation: Conversation, channel = 'test', client?: string) {
  let state: ConversationState = conversation.newState('zh-CN');
  return async (text: string) => {
    const r = await conversation.turn(state, { text }, { channel, ...(client ? { client } : {}) });
    state = r.state;
    return texts(r.messages).join('\n');
  };
}

async function openCase(conversation: Conversation, client?: string) {
  const say = talk(conversation, 'test', client);
  let last = '';
  for (const line of ['第一次申请', '线下', '内资']) last = await say(line);
  return { say, reference: REF.exec(last)?.[0], last };
}

describe('the last four digits cannot be searched (item 2)', () => {
  it('locks the reference after 5 wrong answers in an hour across conversations and channels, says to call the hotline, and logs no digits', async () => {
    let now = Date.parse('2026-11-23T02:00:00Z');
    const events: Record<string, unknown>[] = [];
    const { conversation, cases, dir } = await setup({ now: () => now, events });
    const { reference } = await openCase(conversation);
    await cases.setContact(reference as string, { mobile: '13912345678' });

    // The attacker opens a fresh conversation for every two guesses, on two channels.
    const guesses = ['9137', '8264', '7391', '6482', '5019'];
    let lastAnswer = '';
    for (let i = 0; i < guesses.length; i += 1) {
      const say = talk(conversation, i % 2 ? 'wechat' : 'directline');
      expect(await say(`查询进度 ${reference}`)).toContain('手机号码后四位');
      lastAnswer = await say(guesses[i] as string);
      now += 60_000;
    }
    expect(lastAnswer).toContain('一小时内在任何对话中都不能查询');
    expect(lastAnswer).toContain(HOTLINE);

    // Even the right digits, from a new conversation, show nothing within the hour; they are not asked for.
    const later = talk(conversation, 'botframework');
    const refused = await later(`查询进度 ${reference}`);
    expect(refused).not.toContain('当前状态');
    expect(refused).toContain(HOTLINE);
    expect(await later('5678')).not.toContain('当前状态');

    // Durable: a restart (the guard read again from the data folder) keeps the lock.
    const reopened = await setup({ dir, now: () => now });
    expect(await talk(reopened.conversation)(`查询进度 ${reference}`)).not.toContain('手机号码后四位');

    // An hour later the owner can check again.
    now += 3_600_000;
    const owner = talk(reopened.conversation);
    await owner(`查询进度 ${reference}`);
    expect(await owner('5678')).toContain('当前状态');

    const logged = JSON.stringify(events);
    expect(events.filter((e) => e.event === 'failed')).toHaveLength(5);
    expect(events.filter((e) => e.event === 'locked')).toEqual([expect.objectContaining({ reference, channel: 'directline' })]);
    for (const g of guesses) expect(logged).not.toContain(g);
    for (const e of events) expect(Object.keys(e).sort()).toEqual(expect.arrayContaining(['channel', 'event', 'failures', 'reference']));
    for (const e of events) expect(Object.keys(e).every((k) => ['channel', 'event', 'failures', 'reference', 'lockedUntil'].includes(k))).toBe(true);
    const stored = JSON.parse(readFileSync(join(dir, 'digit-checks.json'), 'utf8')) as Record<string, object>;
    expect(Object.keys(stored[reference as string] ?? {}).sort()).toEqual(['failures', 'lockedUntil']);
  });
});

describe('a call-back only for a case of this conversation (item 16)', () => {
  it('does not flag a case without a mobile for a call-back from a conversation that only typed its reference', async () => {
    const { conversation, cases } = await setup();
    const { reference } = await openCase(conversation);
    const stranger = talk(conversation);
    expect(await stranger(`查询进度 ${reference}`)).toContain('当前状态');
    const human = await stranger('转人工');
    expect(human).not.toContain('已为业务');
    expect((await cases.require(reference as string)).callback).toBeUndefined();
  });

  it('flags it from the conversation that received the reference, and from one that gave the digits', async () => {
    const { conversation, cases } = await setup();
    const own = await openCase(conversation);
    expect(await own.say('转人工')).toContain(`已为业务 ${own.reference} 登记人工回访`);
    const other = await openCase(conversation);
    await cases.setContact(other.reference as string, { mobile: '13912345678' });
    const proven = talk(conversation);
    await proven(`查询进度 ${other.reference}`);
    await proven('5678');
    expect(await proven('转人工')).toContain('登记人工回访');
    expect((await cases.require(other.reference as string)).callback).toBeDefined();
  });
});

describe('new cases are capped per client and day (item 8)', () => {
  it('gives the outcome without a new reference past the cap, with a clear message; other clients are not affected', async () => {
    const { conversation, cases } = await setup({ limit: 3 });
    const made: (string | undefined)[] = [];
    for (let i = 0; i < 3; i += 1) made.push((await openCase(conversation, 'directline:attacker')).reference);
    expect(made.every(Boolean)).toBe(true);
    const fourth = await openCase(conversation, 'directline:attacker');
    expect(fourth.reference).toBeUndefined();
    expect(fourth.last).toContain('今天生成的业务编号已达上限（3个）');
    expect(fourth.last).toContain(HOTLINE);
    expect((await cases.list({ offset: 0, limit: 100 })).total).toBe(3);
    expect((await openCase(conversation, 'directline:someone-else')).reference).toBeDefined();
  });
});
