import { type Activity, ConnectionStatus, DirectLine } from 'botframework-directlinejs';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientServices, json, newToken, type RunningServer, startServer, until } from './directline-helpers.js';

/** An activity as the client hands it over, with the fields these tests read. */
interface Seen {
  id: string;
  type: string;
  text?: string;
  timestamp?: string;
  replyToId?: string;
  from: { id: string; role?: string };
  conversation?: { id: string };
  channelData?: Record<string, unknown>;
  attachments?: { contentType: string; content: unknown }[];
  suggestedActions?: { actions: { title: string; value: unknown }[] };
}

/** The client's own state, private in its types but what a page reads to reconnect. */
const state = (dl: DirectLine) =>
  dl as unknown as { conversationId: string; watermark: string; refreshToken(): { subscribe(ok: (t: string) => void, fail: (e: unknown) => void): void } };

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');

/** The official Direct Line client (botframework-directlinejs) against the real server, polling. */
describe('local Direct Line with the official client', () => {
  let server: RunningServer;
  const clients: DirectLine[] = [];

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) {
      try {
        c.end();
      } catch {
        // already ended
      }
    }
  });

  function connect(options: Record<string, unknown>) {
    const dl = new DirectLine({ domain: `${server.url}/v3/directline`, ...clientServices(), ...options } as never);
    clients.push(dl);
    const seen: Seen[] = [];
    const statuses: ConnectionStatus[] = [];
    // The client ends its streams with an error when a conversation fails or ends; the statuses say which.
    dl.connectionStatus$.subscribe(
      (s) => statuses.push(s),
      () => undefined,
    );
    dl.activity$.subscribe(
      (a) => seen.push(a as unknown as Seen),
      () => undefined,
    );
    return { dl, seen, statuses };
  }

  const post = (dl: DirectLine, activity: Record<string, unknown>) =>
    new Promise<string>((resolve, reject) => dl.postActivity(activity as unknown as Activity).subscribe(resolve, reject));

  it('starts a conversation with a generated token and sends the greeting and the first question itself', async () => {
    const { conversationId, token, expires_in } = await newToken(server.url);
    expect(expires_in).toBeGreaterThanOrEqual(1800);
    const { dl, seen, statuses } = connect({ token });
    await until('greeting and first question', () => seen.length >= 2);
    expect(statuses).toContain(ConnectionStatus.Online);
    expect(state(dl).conversationId).toBe(conversationId);
    const [greeting, question] = seen as [Seen, Seen];
    expect(greeting).toMatchObject({ type: 'message', channelId: 'directline', from: { role: 'bot' }, conversation: { id: conversationId } });
    expect(greeting.text).toContain('电子钥匙办事助手');
    expect(question.attachments?.[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(greeting.id).not.toBe(question.id);
    expect(Date.parse(greeting.timestamp as string)).toBeLessThan(Date.parse(question.timestamp as string));
  });

  it('echoes a posted message with its client activity id and answers it with replies pointing at it', async () => {
    const { token } = await newToken(server.url);
    const { dl, seen } = connect({ token });
    await until('first question', () => seen.length >= 2);
    const id = await post(dl, { type: 'message', text: '钥匙丢了', from: { id: 'ignored' }, channelData: { clientActivityID: 'client-1' } });
    const echo = await until('echo', () => seen.find((a) => a.id === id));
    expect(echo).toMatchObject({ text: '钥匙丢了', from: { role: 'user' }, channelData: { clientActivityID: 'client-1' } });
    // The token names the user: the id the client claimed is replaced by it.
    expect(echo.from.id).toMatch(/^dl_/);
    // First the line of what was understood, then the next question, both replies to the message.
    const noted = await until('understood', () => seen.find((a) => a.replyToId === id));
    expect(noted).toMatchObject({ from: { role: 'bot' }, text: expect.stringMatching(/^已记录：/) });
    const reply = await until('reply', () => seen.find((a) => a.replyToId === id && a.suggestedActions));
    expect(reply).toMatchObject({ from: { role: 'bot' }, text: expect.stringContaining('内资') });
    // Suggested actions carry the {question, answer} the button answers; posting it answers the question.
    const action = reply.suggestedActions?.actions.find((a) => (a.value as { answer?: string } | undefined)?.answer === 'domestic');
    expect(action).toBeDefined();
    const second = await post(dl, { type: 'message', text: action?.title, value: action?.value, channelData: { clientActivityID: 'client-2' } });
    const outcome = await until('outcome', () => seen.find((a) => a.replyToId === second && a.attachments?.length));
    const card = outcome.attachments?.[0]?.content as { body: unknown[] };
    expect(JSON.stringify(card.body)).toContain('Input.Toggle');
    // The outcome is one card; its flowchart button points at this service as the client reached it.
    expect(outcome.text).toBeUndefined();
    expect(JSON.stringify(card.body)).toMatch(new RegExp(`"url":"${server.url}/flowcharts/replacement\\.html"`));
  });

  it('gives activities after a watermark, and the watermark to continue from', async () => {
    const { conversationId, token } = await newToken(server.url);
    const { dl, seen } = connect({ token });
    await until('first question', () => seen.length >= 2);
    const headers = { Authorization: `Bearer ${token}` };
    const all = await json(await fetch(`${server.url}/v3/directline/conversations/${conversationId}/activities`, { headers }));
    expect(all.watermark).toBe('2');
    await post(dl, { type: 'message', text: '注销证书' });
    const after = await json(await fetch(`${server.url}/v3/directline/conversations/${conversationId}/activities?watermark=2`, { headers }));
    const ids = (after.activities as Seen[]).map((a) => a.id);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(ids).not.toContain((all.activities as Seen[])[0]?.id);
    expect(Number(after.watermark)).toBe(2 + ids.length);
    const none = await json(await fetch(`${server.url}/v3/directline/conversations/${conversationId}/activities?watermark=${after.watermark as string}`, { headers }));
    expect(none).toEqual({ activities: [], watermark: after.watermark });
  });

  it('reconnects to a conversation from a watermark: nothing before it again, the greeting not repeated, and posting goes on', async () => {
    const { conversationId, token } = await newToken(server.url);
    const first = connect({ token });
    await until('first question', () => first.seen.length >= 2);
    const id = await post(first.dl, { type: 'message', text: '钥匙丢了' });
    await until('reply', () => first.seen.find((a) => a.replyToId === id));
    const watermark = state(first.dl).watermark;
    const before = first.seen.length;
    clients.splice(clients.indexOf(first.dl), 1);
    first.dl.end();

    const again = connect({ token, conversationId, watermark });
    const posted = await post(again.dl, { type: 'message', text: '外资' });
    await until('reply after reconnecting', () => again.seen.find((a) => a.replyToId === posted));
    expect(again.seen.every((a) => !first.seen.slice(0, before).some((b) => b.id === a.id))).toBe(true);
    expect(again.seen.filter((a) => a.from.role === 'bot' && (a.text ?? '').includes('您好'))).toHaveLength(0);

    // From watermark 0 (as the page does after a reload) the whole transcript comes back, once.
    const replay = connect({ token, conversationId, watermark: '0' });
    await until('whole transcript', () => replay.seen.some((a) => a.id === posted));
    expect(replay.seen.filter((a) => (a.text ?? '').includes('您好'))).toHaveLength(1);
  });

  it('refreshes a token: the new one works for the same conversation', async () => {
    const { conversationId, token } = await newToken(server.url);
    const { dl, seen } = connect({ token });
    await until('first question', () => seen.length >= 2);
    server.clock.now += 2_000;
    const fresh = await new Promise<string>((resolve, reject) => state(dl).refreshToken().subscribe(resolve, reject));
    expect(fresh).not.toBe(token);
    const res = await fetch(`${server.url}/v3/directline/conversations/${conversationId}/activities`, { headers: { Authorization: `Bearer ${fresh}` } });
    expect(res.status).toBe(200);
  });

  it('refuses an expired token with 403 and the client reports it; a refresh cannot revive it', async () => {
    const { conversationId, token } = await newToken(server.url);
    const { seen, statuses } = connect({ token });
    await until('first question', () => seen.length >= 2);
    server.clock.now += 3_601_000;
    await until('expired token status', () => statuses.includes(ConnectionStatus.ExpiredToken));
    const get = await fetch(`${server.url}/v3/directline/conversations/${conversationId}/activities`, { headers: { Authorization: `Bearer ${token}` } });
    expect(get.status).toBe(403);
    expect(await json(get)).toMatchObject({ error: { code: 'TokenExpired' } });
    const refresh = await fetch(`${server.url}/v3/directline/tokens/refresh`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    expect(refresh.status).toBe(403);
  });

  it('lets a conversation be reached only with its own token', async () => {
    const a = await newToken(server.url);
    const b = await newToken(server.url);
    const url = (id: string) => `${server.url}/v3/directline/conversations/${id}/activities`;
    const get = (id: string, auth?: string) => fetch(url(id), auth ? { headers: { Authorization: auth } } : {});
    expect((await get(a.conversationId, `Bearer ${b.token}`)).status).toBe(403);
    const [h, p, s] = a.token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), conv: b.conversationId })).toString('base64url');
    expect((await get(b.conversationId, `Bearer ${h}.${forged}.${s}`)).status).toBe(403);
    expect((await get(a.conversationId)).status).toBe(401);
    expect((await get(a.conversationId, 'Bearer not-a-token')).status).toBe(403);
    const post = await fetch(url(a.conversationId), {
      method: 'POST',
      headers: { Authorization: `Bearer ${b.token}`, 'Content-Type': 'application/json' },
      body: '{"type":"message","text":"x"}',
    });
    expect(post.status).toBe(403);

    // A token of another server (another signing secret) is refused, and the client says it failed to connect.
    const other = await startServer({ EKEY_DIRECTLINE_SECRET: 'another-secret-of-at-least-32-characters!' });
    try {
      const foreign = await newToken(other.url);
      expect((await get(a.conversationId, `Bearer ${foreign.token}`)).status).toBe(403);
      const { statuses } = connect({ token: foreign.token });
      await until('failed to connect', () => statuses.includes(ConnectionStatus.FailedToConnect));
    } finally {
      await other.close();
    }
  });
});

describe('local Direct Line limits and bad requests', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({}, { limits: { perClient: 3, idleMs: 60_000 }, tokenTtlSeconds: 600 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers bad input with a 4xx and a reason, never a stack trace', async () => {
    const { conversationId, token } = await newToken(server.url);
    const url = `${server.url}/v3/directline/conversations/${conversationId}/activities`;
    const send = (body: string, type = 'application/json') => fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': type }, body });
    const cases: [string, number][] = [
      ['{not json', 400],
      ['[]', 400],
      ['{"text":"no type"}', 400],
      [JSON.stringify({ type: 'message', text: '长'.repeat(2_001) }), 413],
      [JSON.stringify({ type: 'message', text: 'x'.repeat(40_000) }), 413],
      ['', 400],
    ];
    for (const [body, status] of cases) {
      const res = await send(body);
      expect(res.status, body.slice(0, 20)).toBe(status);
      const answer = await json(res);
      expect(answer.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      expect(JSON.stringify(answer)).not.toMatch(/at .*\.ts:\d+/);
    }
    const bad = await fetch(`${url}?watermark=abc`, { headers: { Authorization: `Bearer ${token}` } });
    expect(bad.status).toBe(400);
    const badUser = await fetch(`${server.url}/v3/directline/tokens/generate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"user":{"id":"dl_forged"}}',
    });
    expect(badUser.status).toBe(400);
  });

  it('drops a conversation left idle: it is gone (404) and the client sees it ended', async () => {
    const { conversationId, token } = await newToken(server.url);
    const dl = new DirectLine({ domain: `${server.url}/v3/directline`, token, ...clientServices() } as never);
    const seen: Seen[] = [];
    const statuses: ConnectionStatus[] = [];
    dl.connectionStatus$.subscribe(
      (s) => statuses.push(s),
      () => undefined,
    );
    dl.activity$.subscribe(
      (a) => seen.push(a as unknown as Seen),
      () => undefined,
    );
    await until('first question', () => seen.length >= 2);
    // Idle past the limit with the token still valid, so the 404 is about the conversation, not the token.
    server.clock.now += 61_000;
    await until('ended', () => statuses.includes(ConnectionStatus.Ended));
    const res = await fetch(`${server.url}/v3/directline/conversations/${conversationId}/activities`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(404);
    expect(await json(res)).toMatchObject({ error: { code: 'NotFound' } });
  });

  it('limits the conversations one client may open, with Retry-After', async () => {
    // Two conversations were opened by the previous tests.
    await newToken(server.url, { user: { id: 'visitor-1' } });
    const refused = await fetch(`${server.url}/v3/directline/tokens/generate`, { method: 'POST' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    server.clock.now += 3_600_001;
    expect((await fetch(`${server.url}/v3/directline/tokens/generate`, { method: 'POST' })).status).toBe(200);
  });
});
