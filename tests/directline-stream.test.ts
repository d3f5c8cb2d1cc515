import { type Activity, ConnectionStatus, DirectLine } from 'botframework-directlinejs';
import nock from 'nock';
import WS from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeUpgrades } from '../src/http/upgrades.js';
import { fetchAjax, json, newToken, type RunningServer, startServer, until } from './directline-helpers.js';
import { openStream, postActivity, rawSocket, startConversation, type StreamLog } from './directline-stream-helpers.js';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');

// The official client only streams where a global WebSocket exists: Node 24 has one, Node 20 gets the ws package's.
const g = globalThis as { WebSocket?: unknown };
const hadWebSocket = g.WebSocket !== undefined;
if (!hadWebSocket) g.WebSocket = WS;

interface Seen {
  id: string;
  type: string;
  text?: string;
  replyToId?: string;
  from: { id: string; role?: string };
  attachments?: { contentType: string; content: unknown }[];
  suggestedActions?: { actions: { title: string; value: unknown }[] };
  channelData?: { ekey?: { outcome?: string } };
}

/** The official Direct Line client with WebSocket on, as Web Chat's default: every request it makes is recorded. */
function streamingClient(server: RunningServer, options: Record<string, unknown>) {
  const requests: string[] = [];
  const sockets: string[] = [];
  const Native = g.WebSocket as new (url: string) => unknown;
  const ajax = (r: { method?: string; url: string }) => {
    requests.push(`${r.method ?? 'GET'} ${new URL(r.url).pathname}`);
    return fetchAjax(r as never);
  };
  const WebSocket = function (this: unknown, url: string) {
    sockets.push(url);
    return new Native(url);
  } as unknown as typeof WS;
  const dl = new DirectLine({ domain: `${server.url}/v3/directline`, webSocket: true, ajax, WebSocket, ...options } as never);
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
  const post = (activity: Record<string, unknown>) => new Promise<string>((resolve, reject) => dl.postActivity(activity as unknown as Activity).subscribe(resolve, reject));
  return { dl, seen, statuses, requests, sockets, post };
}

describe('Direct Line streaming with the official client (webSocket: true)', () => {
  let server: RunningServer;
  const ended: DirectLine[] = [];
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
    if (!hadWebSocket) delete g.WebSocket;
  });
  afterEach(() => {
    for (const dl of ended.splice(0)) dl.end();
  });

  it('completes a consultation over the stream, never polling', async () => {
    const { token } = await newToken(server.url);
    const c = streamingClient(server, { token });
    ended.push(c.dl);
    await until('greeting and first question', () => c.seen.length >= 2);
    expect(c.statuses).toContain(ConnectionStatus.Online);
    expect(c.sockets).toHaveLength(1);
    expect(c.sockets[0]).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v3\/directline\/conversations\/[^/]+\/stream\?t=/);
    expect(c.seen[0]?.text).toContain('电子钥匙办事助手');

    const id = await c.post({ type: 'message', text: '钥匙丢了', from: { id: 'user' }, channelData: { clientActivityID: 'ws-1' } });
    const reply = await until('reply', () => c.seen.find((a) => a.replyToId === id && a.suggestedActions));
    const domestic = reply.suggestedActions?.actions.find((a) => (a.value as { answer?: string } | undefined)?.answer === 'domestic');
    expect(domestic).toBeDefined();
    const second = await c.post({ type: 'message', text: domestic?.title, value: domestic?.value, from: { id: 'user' } });
    const outcome = await until('outcome', () => c.seen.find((a) => a.replyToId === second && a.attachments?.length));
    expect(outcome.channelData?.ekey?.outcome).toBe('replacement-lost');
    // Each activity came once, in order, and nothing was fetched by polling.
    const ids = c.seen.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(c.requests.filter((r) => r.startsWith('GET') && r.endsWith('/activities'))).toEqual([]);
  });

  it('reconnects by itself when the server closes the stream, from its watermark, on a fresh stream URL', async () => {
    const { token } = await newToken(server.url);
    // random 0: the client's shortest wait before reconnecting (3 s).
    const c = streamingClient(server, { token, random: () => 0 });
    ended.push(c.dl);
    await until('first question', () => c.seen.length >= 2);
    // The server cuts every stream (as a proxy restarting would); the conversation stays.
    closeUpgrades(server.app.server.server);
    // directlinejs waits (3 s here) before reconnecting, then asks GET conversations/:id?watermark= for a new URL.
    await until('reconnected', () => c.sockets.length >= 2, 15_000);
    expect(c.requests.some((r) => /^GET \/v3\/directline\/conversations\/[^/]+$/.test(r))).toBe(true);
    expect(c.sockets[1]).not.toBe(c.sockets[0]);
    expect(c.sockets[1]).toContain('watermark=2');
    const id = await c.post({ type: 'message', text: '注销证书', from: { id: 'user' } });
    await until('reply after reconnecting', () => c.seen.find((a) => a.replyToId === id));
    const ids = c.seen.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
  }, 30_000);
});

describe('Direct Line stream conformance', () => {
  let server: RunningServer;
  const open: StreamLog[] = [];
  beforeAll(async () => {
    server = await startServer({}, { stream: { keepAliveMs: 150 } });
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.ws.terminate();
  });
  const stream = async (url: string) => {
    const s = await openStream(url);
    open.push(s);
    return s;
  };

  it('gives a streamUrl on start and reconnect (as Azure: ws on the same host, its own token in t), none on generate or refresh', async () => {
    const generated = await newToken(server.url);
    expect(generated).not.toHaveProperty('streamUrl');
    const started = await startConversation(server.url, generated.token);
    const url = new URL(started.streamUrl ?? '');
    expect(url.protocol).toBe('ws:');
    expect(url.host).toBe(new URL(server.url).host);
    expect(url.pathname).toBe(`/v3/directline/conversations/${started.conversationId}/stream`);
    const t = url.searchParams.get('t') ?? '';
    expect(t).not.toBe(started.token);
    // The stream token opens nothing else.
    const asBearer = await fetch(`${server.url}/v3/directline/conversations/${started.conversationId}/activities`, { headers: { Authorization: `Bearer ${t}` } });
    expect(asBearer.status).toBe(403);
    const refreshed = await json(await fetch(`${server.url}/v3/directline/tokens/refresh`, { method: 'POST', headers: { Authorization: `Bearer ${started.token}` } }));
    expect(refreshed).not.toHaveProperty('streamUrl');
    // Behind a proxy named by EKEY_PUBLIC_URL, the stream is on the public host, wss for https.
    const proxied = await startServer({ EKEY_PUBLIC_URL: 'https://assistant.example.gov.cn' });
    try {
      const p = await newToken(proxied.url);
      expect((await startConversation(proxied.url, p.token)).streamUrl).toMatch(/^wss:\/\/assistant\.example\.gov\.cn\/v3\/directline\/conversations\/[^/]+\/stream\?t=/);
    } finally {
      await proxied.close();
    }
  });

  it('sends activity sets with watermarks: the transcript from the start, then each turn, and empty keep-alive frames', async () => {
    const { token } = await newToken(server.url);
    const started = await startConversation(server.url, token);
    const s = await stream(started.streamUrl as string);
    await until('greeting set', () => s.sets.length >= 1);
    expect(s.sets[0]).toMatchObject({ watermark: '2' });
    expect(s.sets[0]?.activities.map((a) => a.from.role)).toEqual(['bot', 'bot']);
    const posted = await json(await postActivity(server.url, started.conversationId, token, { type: 'message', text: '钥匙丢了', from: { id: 'u' } }));
    await until('echo and reply', () => s.sets.flatMap((x) => x.activities).some((a) => a.replyToId === posted.id));
    const all = s.sets.flatMap((x) => x.activities);
    expect(all.find((a) => a.id === posted.id)?.from.role).toBe('user');
    // Watermarks count the activities sent so far; each set carries the one after its last activity.
    let count = 0;
    for (const set of s.sets) {
      count += set.activities.length;
      expect(set.watermark).toBe(String(count));
    }
    await until('keep-alive', () => s.frames.includes(''));
  });

  it('resumes after the watermark of a reconnect (GET ?watermark=), on a fresh stream URL', async () => {
    const { token } = await newToken(server.url);
    const started = await startConversation(server.url, token);
    const first = await stream(started.streamUrl as string);
    await until('greeting', () => first.sets.length >= 1);
    first.ws.close();
    await postActivity(server.url, started.conversationId, token, { type: 'message', text: '钥匙丢了', from: { id: 'u' } });
    server.clock.now += 1_000;
    const again = await json(await fetch(`${server.url}/v3/directline/conversations/${started.conversationId}?watermark=2`, { headers: { Authorization: `Bearer ${token}` } }));
    expect(again.conversationId).toBe(started.conversationId);
    expect(again.streamUrl).not.toBe(started.streamUrl);
    expect(again.streamUrl).toContain('watermark=2');
    const second = await stream(again.streamUrl as string);
    await until('what came after the watermark', () => second.sets.length >= 1);
    const ids = second.sets.flatMap((x) => x.activities.map((a) => a.id));
    expect(ids[0]).toMatch(/\|0000003$/);
    expect(first.sets.flatMap((x) => x.activities.map((a) => a.id)).some((id) => ids.includes(id))).toBe(false);
  });

  it("refuses an expired, forged or other conversation's stream token, and a bad watermark, before upgrading", async () => {
    const { token } = await newToken(server.url);
    const started = await startConversation(server.url, token);
    const other = await startConversation(server.url, (await newToken(server.url)).token);
    const url = started.streamUrl as string;
    const refused = (u: string) =>
      openStream(u).then(
        (s) => {
          s.ws.terminate();
          return 101;
        },
        (err: { status?: number }) => err.status,
      );
    const t = new URL(url).searchParams.get('t') as string;
    expect(await refused(url.replace(t, `${t.slice(0, -2)}xx`))).toBe(403);
    expect(await refused(url.replace(/t=.*/, `t=${token}`))).toBe(403);
    expect(await refused(url.replace(/t=.*/, 't='))).toBe(403);
    expect(await refused((other.streamUrl as string).replace(other.conversationId, started.conversationId))).toBe(403);
    expect(await refused(`${url}&watermark=abc`.replace('stream?', 'stream?watermark=-1&'))).toBe(400);
    server.clock.now += 61_000;
    expect(await refused(url)).toBe(403);
  });

  it('answers an upgrade to any other path at once with 404 and closes the connection', async () => {
    for (const path of ['/', '/api/messages', '/v3/directline/conversations/x/activities', '/v3/directline/conversations/x/stream/more', '/%ZZ']) {
      const raw = await rawSocket(
        server.url,
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      );
      const after = await raw.closedAfter;
      expect(raw.received(), path).toMatch(/^HTTP\/1\.1 404 /);
      expect(after, path).toBeLessThan(1_000);
    }
    // Another protocol than WebSocket, also at once.
    const h2c = await rawSocket(
      server.url,
      'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n',
    );
    expect(await h2c.closedAfter).toBeLessThan(1_000);
    expect(h2c.received()).toMatch(/^HTTP\/1\.1 404 /);
  });

  it('ends the stream of a conversation that is dropped, and refuses a stream for an ended one', async () => {
    const limited = await startServer({}, { limits: { idleMs: 60_000 } });
    try {
      const { token } = await newToken(limited.url);
      const started = await startConversation(limited.url, token);
      const s = await openStream(started.streamUrl as string);
      await until('greeting', () => s.sets.length >= 1);
      limited.clock.now += 61_000;
      const get = await fetch(`${limited.url}/v3/directline/conversations/${started.conversationId}/activities`, { headers: { Authorization: `Bearer ${token}` } });
      expect(get.status).toBe(404);
      expect((await s.closed).code).toBe(1000);
    } finally {
      await limited.close();
    }
  });
});

describe('Direct Line uploads', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses a file with 415 and the reason, and says the same in the conversation, in its language', async () => {
    const { token } = await newToken(server.url);
    const { conversationId, streamUrl } = await startConversation(server.url, token, { locale: 'en-US' });
    const s = await openStream(streamUrl as string);
    try {
      await until('greeting', () => s.sets.length >= 1);
      const form = new FormData();
      form.append(
        'activity',
        new Blob([JSON.stringify({ type: 'message', from: { id: 'u' }, attachments: [{ contentType: 'application/pdf', name: 'licence.pdf' }] })], {
          type: 'application/vnd.microsoft.activity',
        }),
      );
      form.append('file', new Blob([Buffer.from('%PDF-1.4')], { type: 'application/pdf' }), 'licence.pdf');
      const res = await fetch(`${server.url}/v3/directline/conversations/${conversationId}/upload?userId=u`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
        body: form,
      });
      const reason = server.app.ctx.conversation.t('en')('ui:directline.uploadRefused');
      expect(res.status).toBe(415);
      expect(await res.json()).toEqual({ error: { code: 'UploadNotAccepted', message: reason } });
      const notice = await until('notice in the chat', () => s.sets.flatMap((x) => x.activities).find((a) => a.text === reason));
      expect(notice).toMatchObject({ type: 'message', from: { role: 'bot' }, channelData: { ekey: { notice: 'upload-refused' } } });
      // The conversation goes on.
      const posted = await json(await postActivity(server.url, conversationId, token, { type: 'message', text: 'my key is lost', from: { id: 'u' } }));
      await until('reply', () => s.sets.flatMap((x) => x.activities).find((a) => a.replyToId === posted.id));
    } finally {
      s.ws.terminate();
    }
  });
});

describe('Direct Line streams per conversation', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({}, { stream: { perConversation: 2 } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('keeps at most the newest streams of a conversation: an older one is closed when a new one opens', async () => {
    const { token } = await newToken(server.url);
    const started = await startConversation(server.url, token);
    const url = () =>
      fetch(`${server.url}/v3/directline/conversations/${started.conversationId}`, { headers: { Authorization: `Bearer ${token}` } }).then(
        async (r) => (await json(r)).streamUrl as string,
      );
    const first = await openStream(started.streamUrl as string);
    const second = await openStream(await url());
    const third = await openStream(await url());
    expect((await first.closed).code).toBe(1000);
    await postActivity(server.url, started.conversationId, token, { type: 'message', text: '钥匙丢了', from: { id: 'u' } });
    for (const s of [second, third]) await until('the turn on each open stream', () => s.sets.flatMap((x) => x.activities).some((a) => a.from.role === 'user'));
    second.ws.terminate();
    third.ws.terminate();
  });
});
