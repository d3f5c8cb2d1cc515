import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/app.js';
import { botFrameworkChannel } from '../src/channels/botframework/index.js';
import { casesRoutes } from '../src/channels/http/cases-routes.js';
import { ConfigSchema } from '../src/config.js';
import { CaseQuota } from '../src/cases/case-quota.js';
import type { CaseRecord } from '../src/cases/case-schema.js';
import { CaseConflictError, CaseLimitError, CaseNotFoundError, TransitionError } from '../src/cases/errors.js';
import { FileCaseStore } from '../src/cases/file-store.js';
import { PgCaseStore } from '../src/cases/pg-store.js';
import { CaseService, caseVersion } from '../src/cases/service.js';
import type { CaseStore } from '../src/cases/store.js';
import { FIRST_OFFLINE, outcomeFor, tempDir } from './cases-helpers.js';
import { knowledge } from './helpers.js';
import { say, texts } from './messages-client.js';
import { sharedDatabase } from './pg-helpers.js';

/**
 * One contract for the case store, run on both backends: the embedded files and PostgreSQL. Each test
 * gets a new place (a folder, a database); `open` gives another store on it, as another instance or a
 * restart would. Where the behaviour lives in CaseService (versions, the lifecycle), through it.
 */
interface Backend {
  name: string;
  setup(): Promise<void>;
  open(): Promise<CaseStore>;
  /** Another store on the place, allowing `limit` new cases per client and day (`now`: the files' clock for the day). */
  limited(limit: number, now: () => Date): Promise<CaseStore>;
  teardown(): Promise<void>;
}

let dir = '';
const opened: CaseStore[] = [];
const files: Backend = {
  name: 'embedded files',
  async setup() {
    dir = tempDir('ekey-contract-cases-');
  },
  async open() {
    const s = await FileCaseStore.open(dir);
    opened.push(s);
    return s;
  },
  async limited(limit, now) {
    const s = await FileCaseStore.open(dir, { allowance: new CaseQuota(limit, now) });
    opened.push(s);
    return s;
  },
  async teardown() {
    for (const s of opened.splice(0)) await s.close();
  },
};

const place = sharedDatabase();
const postgres: Backend = {
  name: 'PostgreSQL',
  setup: () => place.setup(),
  open: async () => new PgCaseStore(await place.open()),
  limited: async (limit) => new PgCaseStore(await place.open(), { dailyLimit: limit }),
  teardown: () => place.teardown(),
};

const TOKEN = 'helpdesk-token-0123456789';
const outcome = () => outcomeFor(FIRST_OFFLINE);
const refs = (items: { reference: string }[]) => items.map((c) => c.reference);

describe.each([files, postgres])('the case store on $name', (backend) => {
  let now = new Date('2026-10-30T02:00:00Z');
  const serviceOn = (store: CaseStore) => new CaseService(knowledge(), store, () => now);
  const fresh = async () => {
    await backend.setup();
    return serviceOn(await backend.open());
  };
  afterEach(async () => {
    await backend.teardown();
    now = new Date('2026-10-30T02:00:00Z');
  });

  it('gives back what was created and changed, after a reopen too', async () => {
    const cases = await fresh();
    const first = await outcome();
    const made = [];
    for (let i = 0; i < 12; i += 1) made.push(await cases.open({ outcome: first, answers: FIRST_OFFLINE, lang: i % 2 ? 'en' : 'zh-CN', channel: 'test' }));
    expect(new Set(refs(made)).size).toBe(12);
    expect(await cases.get(made[0]!.reference)).toEqual(made[0]);
    await cases.transition(made[3]!.reference, { to: 'submitted', agent: '王芳', remark: '材料齐全' });
    await cases.setContact(made[4]!.reference, { enterpriseName: '上海示例进出口有限公司', mobile: '13800138000' });
    await cases.requestCallback(made[5]!.reference);
    const before = await cases.list({ offset: 0, limit: 100 });
    expect(before.total).toBe(12);
    expect(refs(before.items)).toEqual(refs(made).reverse());

    const again = serviceOn(await backend.open());
    const after = await again.list({ offset: 0, limit: 100 });
    expect(after).toEqual(before);
    expect((await again.require(made[3]!.reference)).history.at(-1)).toMatchObject({ status: 'submitted', agent: '王芳', remark: '材料齐全' });
    expect((await again.require(made[4]!.reference)).contact?.mobile).toBe('13800138000');
    expect(await again.get('EK-20261030-ZZZZZZ')).toBeUndefined();
    expect(await again.get('not a reference')).toBeUndefined();
    await expect(again.setContact('EK-20261030-ZZZZZZ', { mobile: '13800138000' })).rejects.toBeInstanceOf(CaseNotFoundError);
  });

  it('hands every caller a record of its own: changing what create, update, get or list gave changes nothing kept', async () => {
    await backend.setup();
    const store = await backend.open();
    const cases = serviceOn(store);
    const created = await cases.open({ outcome: await outcome(), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' });
    const kept = structuredClone(created);
    const spoil = (c: CaseRecord) => {
      c.status = 'closed';
      c.why.push({ question: 'spoiled', answer: 'spoiled' });
      c.history.length = 0;
    };
    spoil(created);
    expect(await store.get(kept.reference)).toEqual(kept);

    const moved = await cases.transition(kept.reference, { to: 'submitted', agent: '王芳' });
    const afterMove = structuredClone(moved);
    spoil(moved);
    expect(await store.get(kept.reference)).toEqual(afterMove);
    const got = (await store.get(kept.reference))!;
    spoil(got);
    const listed = (await store.list({ offset: 0, limit: 10 })).items[0]!;
    expect(listed).toEqual(afterMove);
    spoil(listed);
    expect((await store.list({ offset: 0, limit: 10 })).items[0]).toEqual(afterMove);
    // The record a change is handed is its own too: a change that spoils it and then throws keeps nothing.
    await expect(
      store.update(kept.reference, (c) => {
        spoil(c);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await store.get(kept.reference)).toEqual(afterMove);
  });

  it('allows so many new cases per client and Beijing day, counts none not stored, and starts again the next day', async () => {
    await backend.setup();
    now = new Date('2026-11-23T02:00:00Z');
    const store = await backend.limited(3, () => now);
    const cases = serviceOn(store);
    const first = await outcome();
    const open = (client?: string) => cases.open({ outcome: first, answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'wechat', ...(client ? { client } : {}) });
    for (let i = 0; i < 3; i += 1) await open('wechat:o-busy');
    await expect(open('wechat:o-busy')).rejects.toBeInstanceOf(CaseLimitError);
    await open('wechat:o-other');
    // Without a client (the desk's own cases) nothing is counted.
    await open();
    // A case that fails its schema is refused before it is stored, and does not count.
    await expect(store.create(() => ({ reference: 'bad' }) as unknown as CaseRecord, '2026-11-23', 'wechat:o-new')).rejects.toThrow();
    for (let i = 0; i < 3; i += 1) await open('wechat:o-new');
    await expect(open('wechat:o-new')).rejects.toBeInstanceOf(CaseLimitError);
    expect((await cases.list({ offset: 0, limit: 100 })).total).toBe(8);
    // 16:30 UTC is past midnight in Beijing.
    now = new Date('2026-11-23T16:30:00Z');
    await open('wechat:o-busy');
    const unlimited = serviceOn(await backend.limited(0, () => now));
    for (let i = 0; i < 5; i += 1) await unlimited.open({ outcome: first, answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'wechat', client: 'wechat:o-busy' });
  });

  it('counts each client alone when many clients open cases at once, some past their allowance', async () => {
    await backend.setup();
    now = new Date('2026-11-25T02:00:00Z');
    const cases = serviceOn(await backend.limited(2, () => now));
    const first = await outcome();
    // Five clients asking three times each, and the desk's own cases, all in the same moment.
    const asks = Array.from({ length: 15 }, (_, i) => `wechat:o-at-once-${i % 5}`).map((client) =>
      cases.open({ outcome: first, answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'wechat', client }).then(
        () => client,
        (err: unknown) => (err instanceof CaseLimitError ? `${client} refused` : Promise.reject(err)),
      ),
    );
    const desk = Array.from({ length: 4 }, () => cases.open({ outcome: first, answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'desk' }));
    const settled = await Promise.all(asks);
    await Promise.all(desk);
    for (let i = 0; i < 5; i += 1) {
      expect(settled.filter((s) => s === `wechat:o-at-once-${i}`)).toHaveLength(2);
      expect(settled.filter((s) => s === `wechat:o-at-once-${i} refused`)).toHaveLength(1);
    }
    expect((await cases.list({ offset: 0, limit: 100 })).total).toBe(14);
  });

  it('lists newest first, filtered by status, procedure, dates, text and call-back, a page at a time', async () => {
    const cases = await fresh();
    const first = [];
    for (let i = 0; i < 5; i += 1) first.push(await cases.open({ outcome: await outcome(), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' }));
    now = new Date('2026-11-02T02:00:00Z');
    const r = await cases.open({ outcome: await outcomeFor({ need: 'revoke' }), answers: { need: 'revoke' }, lang: 'zh-CN', channel: 'wechat' });
    await cases.transition(first[1]!.reference, { to: 'submitted', agent: 'A' });
    await cases.setContact(first[2]!.reference, { enterpriseName: '上海示例进出口有限公司' });
    await cases.requestCallback(first[0]!.reference);
    await cases.requestCallback(first[3]!.reference);
    await cases.callbackDone(first[3]!.reference, 'B');

    const list = async (q: Omit<Parameters<CaseService['list']>[0], 'offset' | 'limit'>, offset = 0, limit = 10) => cases.list({ ...q, offset, limit });
    const all = await list({});
    expect(refs(all.items)).toEqual([r.reference, ...refs(first).reverse()]);
    expect(refs((await list({ status: 'submitted' })).items)).toEqual([first[1]!.reference]);
    expect((await list({ status: ['submitted', 'advised'] })).total).toBe(6);
    expect(refs((await list({ procedure: 'revoke' })).items)).toEqual([r.reference]);
    expect((await list({ procedure: ['revoke', 'first-offline'] })).total).toBe(6);
    expect((await list({ from: '2026-11-01' })).total).toBe(1);
    expect((await list({ to: '2026-10-31' })).total).toBe(5);
    expect((await list({ from: '2026-10-30', to: '2026-10-30' })).total).toBe(5);
    expect(refs((await list({ callback: true })).items)).toEqual([first[0]!.reference]);
    expect((await list({ callback: false })).total).toBe(5);
    expect(refs((await list({ withContact: true })).items)).toEqual([first[2]!.reference]);
    expect(refs((await list({ text: '示例进出口' })).items)).toEqual([first[2]!.reference]);
    expect(refs((await list({ text: '示例进出口', status: 'submitted' })).items)).toEqual([]);
    const page2 = await list({}, 2, 2);
    expect(page2.total).toBe(6);
    expect(refs(page2.items)).toEqual(refs(all.items.slice(2, 4)));
    expect(await list({}, 10, 5)).toEqual({ items: [], total: 6 });
  });

  it('searches as the desk does: a number as written, a reference as typed, a part of a name, a credit code, an agent', async () => {
    const cases = await fresh();
    const late = await cases.open({ outcome: await outcome(), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'wechat' });
    await cases.setContact(late.reference, { enterpriseName: '天津滨海示例进出口有限公司', creditCode: '91120116MA05K1234X', mobile: '13812345678' });
    const early = await cases.open({ outcome: await outcome(), answers: FIRST_OFFLINE, lang: 'en', channel: 'web' });
    await cases.setContact(early.reference, { enterpriseName: 'Shanghai Example_Trading 100%', mobile: '13900001111' });
    await cases.transition(early.reference, { to: 'submitted', agent: '王芳', remark: 'Line one\nline two' });
    const search = async (text: string) => refs((await cases.list({ text, offset: 0, limit: 10 })).items);
    for (const text of ['13812345678', '138 1234 5678', '+86 138-1234-5678', '0086 13812345678', '８６１３８１２３４５６７８', '(138) 1234-5678', '5678', '1234 56'])
      expect(await search(text), text).toEqual([late.reference]);
    expect(await search('139-0000')).toEqual([early.reference]);
    expect(await search('137 0000 0000')).toEqual([]);
    expect(await search(late.reference.toLowerCase().replaceAll('-', ' '))).toEqual([late.reference]);
    expect(await search(late.reference.slice(-6).toLowerCase())).toEqual([late.reference]);
    expect(await search('滨海示例')).toEqual([late.reference]);
    expect(await search('ＥＸＡＭＰＬＥ  trading')).toEqual([]);
    expect(await search('example_trading')).toEqual([early.reference]);
    // LIKE's wildcards are looked for as they are.
    expect(await search('example%trading')).toEqual([]);
    expect(await search('e_ample')).toEqual([]);
    expect(await search('100%')).toEqual([early.reference]);
    expect(await search('91120116ma05k1234x')).toEqual([late.reference]);
    expect(await search('王芳')).toEqual([early.reference]);
    expect(await search('line two')).toEqual([early.reference]);
    // A line break is not a space, and a needle never runs from one field into the next.
    expect(await search('one line')).toEqual([]);
    expect(await search(`${late.reference.slice(-3)}天津`.toLowerCase())).toEqual([]);
    expect(await search('有限公司')).toEqual([late.reference]);
    // A changed case is found by what it holds now, no longer by what it held.
    await cases.setContact(late.reference, { enterpriseName: '北京另一示例有限公司', mobile: '13700007777' });
    expect(await search('滨海示例')).toEqual([]);
    expect(await search('138 1234 5678')).toEqual([]);
    expect(await search('137-0000-7777')).toEqual([late.reference]);
    expect(await search('示例')).toEqual([late.reference]);
  });

  it('keeps references unique under 200 creates at once from two instances', async () => {
    const a = await fresh();
    const b = serviceOn(await backend.open());
    const first = await outcome();
    const made = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).open({ outcome: first, answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'burst' })));
    expect(new Set(refs(made)).size).toBe(200);
    const listed = await a.list({ offset: 0, limit: 1_000 });
    expect(listed.total).toBe(200);
    expect(new Set(refs(listed.items))).toEqual(new Set(refs(made)));
  });

  it('checks every move against the lifecycle, and keeps the case as it was when refused', async () => {
    const cases = await fresh();
    const c = await cases.open({ outcome: await outcome(), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' });
    const lc = cases.lifecycle(c);
    const notAllowed = lc.statuses.map((s) => s.id).find((id) => id !== c.status && !cases.allowed(c).includes(id))!;
    await expect(cases.transition(c.reference, { to: notAllowed, agent: 'anna', remark: 'r' })).rejects.toBeInstanceOf(TransitionError);
    expect(await cases.require(c.reference)).toEqual(c);
    await expect(cases.store.update(c.reference, (x) => ({ ...x, channel: '' }))).rejects.toThrow(/channel/);
    expect(await cases.require(c.reference)).toEqual(c);
  });

  it('lets one of two agents moving a case at once win, and refuses the other with a conflict', async () => {
    const a = await fresh();
    const b = serviceOn(await backend.open());
    const c = await a.open({ outcome: await outcome(), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' });
    const to = a.allowed(c).find((id) => !a.lifecycle(c).statuses.find((s) => s.id === id)?.rejection)!;
    const results = await Promise.allSettled([
      a.transition(c.reference, { to, agent: 'anna', remark: 'r', version: caseVersion(c) }),
      b.transition(c.reference, { to, agent: 'bo', remark: 'r', version: caseVersion(c) }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(CaseConflictError);
    const now2 = await b.require(c.reference);
    expect(caseVersion(now2)).toBe(1);
    expect(now2.history).toHaveLength(2);
  });

  it('loses no change when many arrive at once on two instances', async () => {
    const a = await fresh();
    const b = await backend.open();
    const c = await a.open({ outcome: await outcome(), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' });
    await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a.store : b).update(c.reference, (x) => ({ ...x, details: { ...x.details, [`k${i}`]: String(i) } }))));
    expect(Object.keys((await b.get(c.reference))!.details)).toHaveLength(60);
  });

  it('keeps every case and its history through a reopen after its contact is erased', async () => {
    const cases = await fresh();
    const c = await cases.open({ outcome: await outcome(), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' });
    await cases.setContact(c.reference, { enterpriseName: '天津滨海示例进出口有限公司', mobile: '13812345678' });
    await cases.transition(c.reference, { to: 'submitted', agent: 'anna' });
    await cases.eraseContact(c.reference);
    const again = serviceOn(await backend.open());
    const kept = await again.require(c.reference);
    expect(kept.contact).toBeUndefined();
    expect(kept.contactErasedAt).toBeDefined();
    expect(kept.history.map((h) => h.status)).toEqual(['advised', 'submitted']);
    expect((await again.list({ text: '滨海', offset: 0, limit: 10 })).total).toBe(0);
    expect((await again.list({ withContact: true, offset: 0, limit: 10 })).total).toBe(0);
  });
});

describe('references drawn alike on PostgreSQL', () => {
  afterEach(() => postgres.teardown());

  it('gives a client spreading its cases over two instances one allowance, never past it when they ask at once', async () => {
    await postgres.setup();
    const now = () => new Date('2026-11-24T02:00:00Z');
    const services = [await postgres.limited(5, now), await postgres.limited(5, now)].map((s) => new CaseService(knowledge(), s, now));
    const first = await outcome();
    const tries = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => services[i % 2]!.open({ outcome: first, answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'wechat', client: 'wechat:o-spread' })),
    );
    expect(tries.filter((t) => t.status === 'fulfilled')).toHaveLength(5);
    expect(tries.filter((t) => t.status === 'rejected').every((t) => (t as PromiseRejectedResult).reason instanceof CaseLimitError)).toBe(true);
    expect((await services[0]!.list({ offset: 0, limit: 100 })).total).toBe(5);
  });

  it('draws again when another instance took the reference first', async () => {
    await postgres.setup();
    const a = await postgres.open();
    await postgres.open();
    let draws = 0;
    // Two letters of six vary: 1,024 references a day, so 200 creates at once collide often.
    const narrow = (n: number) => {
      draws += 1;
      const b = Buffer.alloc(n);
      b[0] = Math.floor(Math.random() * 32);
      b[1] = Math.floor(Math.random() * 32);
      return b;
    };
    // Two instances, each with its own pool.
    const services = place.opened.map((db) => new CaseService(knowledge(), new PgCaseStore(db, { random: narrow })));
    const first = await outcome();
    const made = await Promise.all(Array.from({ length: 200 }, (_, i) => services[i % 2]!.open({ outcome: first, answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'x' })));
    expect(new Set(refs(made)).size).toBe(200);
    expect(draws).toBeGreaterThan(200);
    expect((await a.list({ offset: 0, limit: 1 })).total).toBe(200);
  });
});

describe('two instances of the service on one PostgreSQL database', () => {
  const running: App[] = [];
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterEach(async () => {
    for (const app of running.splice(0)) await app.close();
    await place.teardown();
  });

  async function instance(): Promise<{ url: string; call: (path: string, init?: RequestInit) => Promise<{ status: number; body: any }> }> {
    const config = ConfigSchema.parse({ LOG_LEVEL: 'silent', EKEY_DATA_DIR: tempDir('ekey-pg-app-'), EKEY_RATE_LIMIT_RPS: '0', EKEY_AGENT_TOKEN: TOKEN });
    const app = await createApp(config, { channels: [botFrameworkChannel, casesRoutes], database: await place.open() });
    running.push(app);
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const call = async (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${TOKEN}`);
      const res = await fetch(`${url}${path}`, { ...init, headers });
      return { status: res.status, body: JSON.parse((await res.text()) || '{}') };
    };
    return { url, call };
  }

  it('shows on one the case the chat opened on the other, and lets one of two agents moving it win', { timeout: 60_000 }, async () => {
    await place.setup();
    const a = await instance();
    const b = await instance();
    let said = '';
    for (const text of ['第一次申请', '线下', '内资']) said = texts(await say(a.url, 'pg-two', text)).join('\n');
    const reference = /EK-\d{8}-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6}/.exec(said)?.[0] as string;
    expect(reference).toBeDefined();
    const seen = await b.call(`/api/cases/${reference}`);
    expect(seen.status).toBe(200);
    expect(seen.body.case.reference).toBe(reference);
    // Two agents, one on each instance, moving it from the version they both saw (the desk's versioned move).
    const [ca, cb] = running.map((app) => app.ctx.cases as CaseService);
    const results = await Promise.allSettled([ca!, cb!].map((cases, i) => cases.transition(reference, { to: 'submitted', agent: `agent-${i}`, version: 0 })));
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(CaseConflictError);
    expect((await a.call(`/api/cases/${reference}`)).body.case.status).toBe('submitted');
  });
});
