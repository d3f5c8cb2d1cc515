import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/app.js';
import { deskChannel } from '../src/channels/desk/index.js';
import { PassThrough } from 'node:stream';
import { ConfigSchema } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { Accounts } from '../src/desk/accounts.js';
import { FileAgentStore } from '../src/desk/agent-store.js';
import type { Message } from '../src/conversation/messages.js';
import { FIRST_OFFLINE, outcomeFor, tempDir } from './cases-helpers.js';

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(() => nock.enableNetConnect());

const running: App[] = [];
afterEach(async () => {
  for (const app of running.splice(0)) await app.close();
});

const PASSWORD = 'correct-horse-battery';

async function start(env: Record<string, string> = {}) {
  const dataDir = tempDir('ekey-desk-');
  const pageDir = join(dataDir, 'page');
  mkdirSync(pageDir);
  // The tests' own placeholder: the console itself is written in web/desk/ by its own branch.
  writeFileSync(join(pageDir, 'index.html'), '<!doctype html><title>desk test page</title>');
  let now = Date.parse('2026-11-23T02:00:00Z');
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const config = ConfigSchema.parse({ LOG_LEVEL: 'silent', EKEY_DATA_DIR: dataDir, EKEY_RATE_LIMIT_RPS: '0', ...env });
  const logs = new PassThrough();
  let logged = '';
  logs.on('data', (d) => (logged += d));
  const app = await createApp(config, { logger: createLogger('info', logs), channels: [deskChannel({ pageDir, now: clock.now })] });
  running.push(app);
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const accounts = new Accounts(new FileAgentStore(dataDir));
  await accounts.add('anna', 'agent', PASSWORD);
  await accounts.add('bo', 'agent', PASSWORD);
  await accounts.add('chief', 'supervisor', PASSWORD);

  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${url}${path}`, init);
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      // pages stay text
    }
    return { status: res.status, body, headers: res.headers };
  };
  const signIn = async (name: string, password = PASSWORD, headers: Record<string, string> = {}) => {
    const r = await call('/desk/api/session', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name, password }) });
    const cookie = r.headers.get('set-cookie')?.split(';')[0];
    return { ...r, cookie };
  };
  /** A signed-in agent: requests with the cookie, and the CSRF token on every change. */
  const agent = async (name: string) => {
    const s = await signIn(name);
    expect(s.status).toBe(200);
    const as = (path: string, init: RequestInit & { json?: unknown; csrf?: string | null } = {}) => {
      const headers = new Headers(init.headers);
      headers.set('cookie', s.cookie!);
      if (init.csrf !== null && init.method && init.method !== 'GET') headers.set('x-csrf-token', init.csrf ?? s.body.csrf);
      if (init.json !== undefined) headers.set('content-type', 'application/json');
      return call(path, { ...init, headers, ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}) });
    };
    return { as, csrf: s.body.csrf as string, cookie: s.cookie! };
  };
  return { app, url, call, signIn, agent, accounts, clock, dataDir, logs: () => logged };
}

/** A consultation in the web chat to an outcome, contact details left, then "转人工": the case it opened. */
async function chatCase(app: App, key = 'directline:conv-1'): Promise<string> {
  const say = (text: string) => app.ctx.conversations.handle({ key, input: { text }, channel: 'directline' });
  let messages: Message[] = [];
  for (const text of ['第一次申请', '线下', '内资']) messages = (await say(text)).messages;
  const outcome = messages.find((m) => m.type === 'outcome');
  const reference = outcome?.type === 'outcome' ? outcome.case?.reference : undefined;
  expect(reference).toMatch(/^EK-/);
  for (const text of ['登记联系方式', '深圳示例科技有限公司', '91350100M000100Y43', '13812345678', '转人工']) await say(text);
  return reference!;
}

describe('signing in to the desk', () => {
  it('gives a session cookie (HttpOnly, SameSite=Strict, Path=/desk) and the CSRF token, and 401 for a wrong name or password alike', async () => {
    const { signIn, call } = await start();
    const ok = await signIn('anna');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ name: 'anna', role: 'agent', csrf: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^ekey_desk=[A-Za-z0-9_-]{43};/);
    for (const flag of ['HttpOnly', 'SameSite=Strict', 'Path=/desk']) expect(cookie).toContain(flag);
    expect(cookie).not.toContain('Secure');
    const again = await call('/desk/api/session', { headers: { cookie: ok.cookie! } });
    expect(again.body).toEqual(ok.body);

    const wrongPassword = await signIn('anna', 'not-the-password');
    const wrongName = await signIn('nobody', PASSWORD);
    expect(wrongPassword.status).toBe(401);
    expect(wrongName.status).toBe(401);
    expect(wrongName.body).toEqual(wrongPassword.body);
    expect(wrongPassword.headers.get('set-cookie')).toBeNull();
    expect((await call('/desk/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":1}' })).status).toBe(400);
    expect((await call('/desk/api/cases')).status).toBe(401);
    expect((await call('/desk/api/session?lang=en')).body.message).toBe('Please sign in to the desk.');
  });

  it('marks the cookie Secure behind a trusted proxy that says https, not when anyone else says so', async () => {
    const { signIn } = await start({ EKEY_TRUSTED_PROXIES: 'loopback' });
    expect((await signIn('anna', PASSWORD, { 'x-forwarded-proto': 'https' })).headers.get('set-cookie')).toContain('; Secure');
    const untrusted = await start();
    expect((await untrusted.signIn('anna', PASSWORD, { 'x-forwarded-proto': 'https' })).headers.get('set-cookie')).not.toContain('Secure');
  });

  it('locks a name for 15 minutes after 5 failures (429 with Retry-After), the right password included', async () => {
    const { signIn, clock } = await start();
    for (let i = 0; i < 5; i += 1) expect((await signIn('anna', `wrong-${i}`)).status).toBe(401);
    const locked = await signIn('anna');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect((await signIn('bo')).status).toBe(200);
    clock.advance(15 * 60_000 + 1000);
    expect((await signIn('anna')).status).toBe(200);
  });

  it('refuses changes without the CSRF token, ends the session on sign-out, after 30 idle minutes and 8 hours', async () => {
    const { agent, call, clock } = await start();
    const anna = await agent('anna');
    expect((await anna.as('/desk/api/session', { method: 'DELETE', csrf: null })).body.code).toBe('CsrfRefused');
    expect((await anna.as('/desk/api/session', { method: 'DELETE', csrf: 'x'.repeat(43) })).status).toBe(403);
    expect((await anna.as('/desk/api/guide', { method: 'POST', json: { input: { start: true } }, csrf: null })).status).toBe(403);
    const out = await anna.as('/desk/api/session', { method: 'DELETE' });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await anna.as('/desk/api/session')).status).toBe(401);

    const bo = await agent('bo');
    clock.advance(29 * 60_000);
    expect((await bo.as('/desk/api/session')).status).toBe(200);
    clock.advance(31 * 60_000);
    expect((await bo.as('/desk/api/session')).status).toBe(401);

    const chief = await agent('chief');
    for (let i = 0; i < 16; i += 1) {
      clock.advance(29 * 60_000);
      expect((await chief.as('/desk/api/session')).status).toBe(200);
    }
    clock.advance(29 * 60_000);
    expect((await chief.as('/desk/api/session')).status).toBe(401);
    expect((await call('/desk/api/session')).status).toBe(401);
  });

  it('logs the agent name, never the password, the session id or the CSRF token', async () => {
    const { signIn, agent, logs } = await start();
    await signIn('anna', 'wrong-password-here');
    const anna = await agent('anna');
    await anna.as('/desk/api/cases');
    await anna.as('/desk/api/session', { method: 'DELETE' });
    await new Promise((r) => setTimeout(r, 50));
    const text = logs();
    expect(text).toContain('"agent":"anna"');
    for (const secret of [PASSWORD, 'wrong-password-here', anna.cookie.split('=')[1]!, anna.csrf]) expect(text).not.toContain(secret);
  });

  it("ends a disabled account's sessions at once, and a reset password's earlier ones", async () => {
    const { agent, accounts, signIn } = await start();
    const anna = await agent('anna');
    await accounts.disable('anna');
    expect((await anna.as('/desk/api/session')).status).toBe(401);
    expect((await signIn('anna')).status).toBe(401);
    const bo = await agent('bo');
    await accounts.reset('bo', 'another-long-password');
    expect((await bo.as('/desk/api/cases')).status).toBe(401);
    expect((await signIn('bo', 'another-long-password')).status).toBe(200);
  });
});

describe("the desk's cases", () => {
  it('finds a case opened in the chat by a phone number as people write it, and shows it with its transcript', async () => {
    const { app, agent } = await start();
    const reference = await chatCase(app);
    await app.ctx.cases!.open({ outcome: await outcomeFor(FIRST_OFFLINE), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'wechat' });
    const anna = await agent('anna');
    for (const text of ['138 1234 5678', '138-1234-5678', '１３８１２３４５６７８', '+86 138 1234 5678']) {
      const r = await anna.as(`/desk/api/cases?text=${encodeURIComponent(text)}`);
      expect(r.status, text).toBe(200);
      expect(r.body.total, text).toBe(1);
      expect(r.body.cases[0]).toMatchObject({
        reference,
        mobile: '13812345678',
        enterpriseName: '深圳示例科技有限公司',
        status: { id: 'advised' },
        callback: { requestedAt: expect.any(String) },
      });
    }
    const all = await anna.as('/desk/api/cases?pageSize=1');
    expect(all.body).toMatchObject({ total: 2, page: 1, pageSize: 1 });
    expect((await anna.as(`/desk/api/cases?procedure=${encodeURIComponent('first-offline')}`)).body.total).toBe(2);
    expect((await anna.as(`/desk/api/cases?status=${encodeURIComponent('nonsense-word')}`)).status).toBe(400);

    const view = await anna.as(`/desk/api/cases/${reference}?lang=en`);
    expect(view.status).toBe(200);
    const c = view.body.case;
    expect(c).toMatchObject({ reference, channel: 'directline', lang: 'zh-CN', version: expect.any(Number), contact: { mobile: '13812345678', creditCode: '91350100M000100Y43' } });
    expect(c.createdOn).toBe(`${reference.slice(3, 7)}-${reference.slice(7, 9)}-${reference.slice(9, 11)}`);
    expect(c.why.length).toBeGreaterThan(0);
    expect(c.why[0]).toEqual({ question: expect.any(String), questionLabel: expect.any(String), answer: expect.any(String), answerLabel: expect.any(String) });
    expect(c.timeline[0]).toMatchObject({ status: 'advised', label: expect.any(String) });
    expect(c.expected.length).toBeGreaterThan(0);
    expect(c.checklistPath).toMatch(new RegExp(`^/cases/${reference}/checklist\\?key=`));
    // The context of the handoff: what the user wrote and what the assistant answered, up to "转人工".
    expect(c.transcript.map((l: any) => l.from)).toContain('bot');
    expect(c.transcript.filter((l: any) => l.from === 'user').map((l: any) => l.text)).toEqual(expect.arrayContaining(['第一次申请', '线下', '内资', '转人工']));
    expect(view.body.transitions.length).toBeGreaterThan(0);
    expect(view.body.materials[0]).toEqual({ id: expect.any(String), label: expect.any(String) });
    expect((await anna.as('/desk/api/cases/EK-20261123-ZZZZZZ')).status).toBe(404);
    expect((await anna.as('/desk/api/cases/..%2Fx')).status).toBe(400);
  });

  it('says in the timeline that a case was revised when the answers changed after the outcome, and what it was before', async () => {
    const { app, agent } = await start();
    const key = 'directline:conv-revised';
    const say = async (input: { text: string } | { change: string }) => (await app.ctx.conversations.handle({ key, input, channel: 'directline' })).messages;
    let messages: Message[] = [];
    for (const text of ['第一次申请', '线下', '内资']) messages = await say({ text });
    const first = messages.find((m) => m.type === 'outcome');
    const reference = first?.type === 'outcome' ? first.case?.reference : undefined;
    expect(reference).toMatch(/^EK-/);
    await say({ change: 'applyMode' });
    const revised = (await say({ text: '在线' })).find((m) => m.type === 'outcome');
    expect(revised?.type === 'outcome' ? revised.case?.reference : undefined).toBe(reference);
    const anna = await agent('anna');
    for (const [lang, before, answer] of [
      ['zh-CN', '首次申领（线下申请）', ['申请方式', '线下申请', '在线预申请']],
      ['en', 'First application (offline application)', ['Application method', 'Offline application', 'Online pre-application']],
    ] as const) {
      const timeline = (await anna.as(`/desk/api/cases/${reference}?lang=${lang}`)).body.case.timeline;
      expect(timeline).toHaveLength(2);
      expect(timeline[0].changedFrom).toBeUndefined();
      expect(timeline[0].changedAnswers).toBeUndefined();
      expect(timeline[1]).toMatchObject({ status: 'advised', changedFrom: [{ id: 'first-offline', label: before }] });
      const [question, from, to] = answer;
      expect(timeline[1].changedAnswers).toEqual([{ question: 'applyMode', questionLabel: question, from: { id: 'offline', label: from }, to: { id: 'online', label: to } }]);
    }
  });

  it('rejects with a remark and materials, shown in the timeline; refuses a stale version with 409 when two agents move at once', async () => {
    const { app, agent } = await start();
    const c = await app.ctx.cases!.open({ outcome: await outcomeFor(FIRST_OFFLINE), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'wechat' });
    const anna = await agent('anna');
    const bo = await agent('bo');
    let view = (await anna.as(`/desk/api/cases/${c.reference}`)).body;
    const step = (who: typeof anna, to: string, version: number, extra: object = {}) =>
      who.as(`/desk/api/cases/${c.reference}/transitions`, { method: 'POST', json: { to, version, ...extra } });
    // Walk forward until a rejection may follow.
    for (let guard = 0; guard < 10 && !view.transitions.some((x: any) => x.reject); guard += 1) {
      const next = view.transitions.find((x: any) => !x.reject && !x.needsRemark) ?? view.transitions[0];
      const r = await step(anna, next.to, view.case.version, next.needsRemark ? { remark: 'ok' } : {});
      expect(r.status).toBe(200);
      view = r.body;
    }
    const reject = view.transitions.find((x: any) => x.reject);
    expect(reject).toBeTruthy();
    const material = view.materials[0].id;
    const version = view.case.version;
    if (reject.needsRemark) expect((await step(anna, reject.to, version)).status).toBe(400);
    expect((await step(anna, 'no-such-status', version)).status).toBe(400);

    const [a, b] = await Promise.all([
      step(anna, reject.to, version, { remark: '营业执照复印件不清晰', resubmit: [material] }),
      step(bo, reject.to, version, { remark: 'second', resubmit: [material] }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const lost = a.status === 409 ? a : b;
    expect(lost.body.code).toBe('Conflict');
    const won = a.status === 200 ? a : b;
    const last = won.body.case.timeline.at(-1);
    expect(won.body.case.status.id).toBe(reject.to);
    expect(last).toMatchObject({
      status: reject.to,
      agent: a.status === 200 ? 'anna' : 'bo',
      remark: a.status === 200 ? '营业执照复印件不清晰' : 'second',
      resubmit: [{ id: material, label: expect.any(String) }],
    });
    expect(won.body.case.version).toBe(version + 1);
    expect((await step(anna, reject.to, version)).status).toBe(409);
  });

  it('erases the contact and the transcript, with the version', async () => {
    const { app, agent } = await start();
    const reference = await chatCase(app);
    const anna = await agent('anna');
    const { version } = (await anna.as(`/desk/api/cases/${reference}`)).body.case;
    expect((await anna.as(`/desk/api/cases/${reference}/contact`, { method: 'DELETE', json: { version: version + 5 } })).status).toBe(409);
    const r = await anna.as(`/desk/api/cases/${reference}/contact`, { method: 'DELETE', json: { version } });
    expect(r.status).toBe(200);
    expect(r.body.case.contact).toBeUndefined();
    expect(r.body.case.transcript).toEqual([]);
    const stored = await app.ctx.cases!.require(reference);
    expect(JSON.stringify(stored)).not.toContain('13812345678');
    expect(stored.transcript).toBeUndefined();
  });

  it('lists call-backs oldest first; one agent claims, another is refused, the claimer resolves', async () => {
    const { app, agent } = await start();
    const first = await chatCase(app, 'directline:one');
    const second = await chatCase(app, 'directline:two');
    const anna = await agent('anna');
    const bo = await agent('bo');
    const queue = (await anna.as('/desk/api/callbacks')).body.callbacks;
    expect(queue.map((c: any) => c.reference)).toEqual([first, second]);
    expect(queue[0]).toMatchObject({ mobile: '13812345678', status: { id: 'advised' }, procedures: [{ id: 'first-offline' }] });
    expect(queue[0].transcript.length).toBeGreaterThan(0);
    expect((await anna.as(`/desk/api/callbacks/${first}/claim`, { method: 'POST', csrf: null })).status).toBe(403);
    expect((await anna.as(`/desk/api/callbacks/${first}/claim`, { method: 'POST' })).status).toBe(200);
    expect((await anna.as('/desk/api/callbacks')).body.callbacks[0].claimedBy).toBe('anna');
    const refused = await bo.as(`/desk/api/callbacks/${first}/claim`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('anna');
    expect((await anna.as(`/desk/api/callbacks/${first}/resolve`, { method: 'POST' })).status).toBe(200);
    expect((await anna.as('/desk/api/callbacks')).body.callbacks.map((c: any) => c.reference)).toEqual([second]);
    expect((await anna.as(`/desk/api/callbacks/${first}/resolve`, { method: 'POST' })).status).toBe(404);
  });

  it('shows the figures to a supervisor only', async () => {
    const { app, agent } = await start();
    await chatCase(app);
    const anna = await agent('anna');
    const forbidden = await anna.as('/desk/api/figures');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('Forbidden');
    const chief = await agent('chief');
    const f = await chief.as('/desk/api/figures');
    expect(f.status).toBe(200);
    expect(f.body.byStatus).toEqual([{ id: 'advised', label: expect.any(String), count: 1 }]);
    expect(f.body.byProcedure).toEqual([{ id: 'first-offline', label: expect.any(String), count: 1 }]);
    expect(Array.isArray(f.body.overdue) && Array.isArray(f.body.feedback) && Array.isArray(f.body.notUnderstood)).toBe(true);
  });
});

describe('guiding a caller', () => {
  it('runs the consultation to an outcome, marks the case agent-assisted, and queues no call-back for 转人工', async () => {
    const { app, agent } = await start();
    const anna = await agent('anna');
    const guide = (json: object) => anna.as('/desk/api/guide', { method: 'POST', json });
    const first = await guide({ input: { start: true } });
    expect(first.status).toBe(200);
    const conversation = first.body.conversation;
    expect(first.body.messages.some((m: Message) => m.type === 'question')).toBe(true);
    let messages: Message[] = [];
    for (const text of ['第一次申请', '线下', '内资']) messages = (await guide({ conversation, input: { text } })).body.messages;
    const outcome = messages.find((m) => m.type === 'outcome');
    expect(outcome?.type).toBe('outcome');
    const reference = outcome?.type === 'outcome' ? outcome.case?.reference : undefined;
    expect(reference).toMatch(/^EK-/);
    const human = (await guide({ conversation, input: { text: '转人工' } })).body.messages as Message[];
    expect(human.some((m) => m.type === 'text' && m.text.includes('回访'))).toBe(true);
    const stored = await app.ctx.cases!.require(reference!);
    expect(stored.agent).toBe('anna');
    expect(stored.channel).toBe('desk');
    expect(stored.callback).toBeUndefined();
    const found = await anna.as(`/desk/api/cases?text=${reference}`);
    expect(found.body.cases.map((c: any) => [c.reference, c.agent])).toEqual([[reference, 'anna']]);
    expect((await guide({ conversation: 'bad id!', input: { text: 'x' } })).status).toBe(400);
  });
});

describe('the console page', () => {
  it('is served at /desk with a strict CSP', async () => {
    const { call } = await start();
    const page = await call('/desk');
    expect(page.status).toBe(200);
    expect(page.body).toContain('desk test page');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect((await call('/desk/missing.js')).status).toBe(404);
    expect((await call('/desk/..%2Fagents.json')).status).toBe(404);
  });
});
