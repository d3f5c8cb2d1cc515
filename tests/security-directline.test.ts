import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConversationRegistry, type ConversationLimits } from '../src/channels/directline/conversations.js';
import { ConfigSchema, loadConfig, ConfigError } from '../src/config.js';
import { json, newToken, type RunningServer, startServer, until } from './directline-helpers.js';
import { openStream, pollAll, postActivity, requestFrom, startConversation } from './directline-stream-helpers.js';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');

const MB = 1024 * 1024;
/** An activity of about 30 KB (under the 32 KB a post may have) that starts no turn: only its echo is kept. */
const bulky = (i: number) => ({ type: 'event', name: 'flood', from: { id: 'u' }, channelData: { i, pad: 'x'.repeat(30_000) } });

/** Attacks on the local Direct Line's memory and conversations (issue 13, items 6, 7 and 15): each must fail. */
describe('Direct Line memory (issue 13, item 6)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ EKEY_DIRECTLINE_MAX_MB: '4' }, { limits: { idleMs: 60_000 } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('keeps at most 500 activities of a conversation flooded with 600, and the conversation goes on', async () => {
    const { token } = await newToken(server.url);
    const { conversationId } = await startConversation(server.url, token);
    for (let i = 0; i < 600; i += 1)
      expect((await postActivity(server.url, conversationId, token, { type: 'event', name: 'flood', value: i, from: { id: 'u' } })).status).toBe(200);
    const { activities } = await pollAll(server.url, conversationId, token);
    expect(activities).toHaveLength(500);
    // The newest are kept: the last flood event is there, the greeting (1) and the first 100 floods are not.
    expect(activities.at(-1)?.id).toMatch(/\|0000602$/);
    expect(activities[0]?.id).toMatch(/\|0000103$/);
    const reply = await json(await postActivity(server.url, conversationId, token, { type: 'message', text: '钥匙丢了', from: { id: 'u' } }));
    const after = await pollAll(server.url, conversationId, token, 602);
    expect(after.activities.some((a) => (a as { replyToId?: string }).replyToId === reply.id)).toBe(true);
  });

  it('keeps at most 2 MB of a conversation, and splits a poll or stream frame bigger than 1 MB', async () => {
    const { token } = await newToken(server.url);
    const { conversationId, streamUrl } = await startConversation(server.url, token);
    for (let i = 0; i < 100; i += 1) expect((await postActivity(server.url, conversationId, token, bulky(i))).status).toBe(200);
    const { activities, pages } = await pollAll(server.url, conversationId, token);
    const total = pages.reduce((a, b) => a + b, 0);
    // 100 posts of 30 KB were 3 MB: what is kept is at most 2 MB, in pages of at most 1 MB.
    expect(total).toBeLessThanOrEqual(2 * MB + 1_000);
    expect(total).toBeGreaterThan(1.9 * MB);
    expect(activities.length).toBeLessThan(100);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    for (const p of pages) expect(p).toBeLessThanOrEqual(MB);
    // The stream sends the same in frames of at most 1 MB, each with its watermark.
    const s = await openStream(streamUrl as string);
    try {
      await until('the whole transcript', () => s.sets.flatMap((x) => x.activities).length === activities.length);
      const frames = s.frames.filter((f) => f !== '');
      expect(frames.length).toBeGreaterThanOrEqual(2);
      for (const f of frames) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(MB);
      expect(s.sets.at(-1)?.watermark).toBe('102');
    } finally {
      s.ws.terminate();
    }
  });

  it('refuses new activities with 503 and a reason once all transcripts reach EKEY_DIRECTLINE_MAX_MB, and takes them again when room is made', async () => {
    const flood = async () => {
      const { token } = await newToken(server.url);
      const { conversationId } = await startConversation(server.url, token);
      for (let i = 0; i < 80; i += 1) {
        const res = await postActivity(server.url, conversationId, token, bulky(i));
        if (res.status !== 200) return { res, conversationId, token };
      }
      return { res: undefined, conversationId, token };
    };
    // The conversations of the tests before hold about 2.1 MB of the 4; two more floods fill the rest.
    let refused: Response | undefined;
    for (let i = 0; i < 3 && !refused; i += 1) refused = (await flood()).res;
    expect(refused?.status).toBe(503);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused?.json()).toEqual({ error: { code: 'ServiceUnavailable', message: server.app.ctx.conversation.t('zh-CN')('ui:directline.budgetFull') } });
    // In the language the client asks in; and a new conversation is not started either.
    const { token } = await newToken(server.url);
    const start = await fetch(`${server.url}/v3/directline/conversations`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Accept-Language': 'en-GB,en;q=0.9' } });
    expect(start.status).toBe(503);
    expect(((await start.json()) as { error: { message: string } }).error.message).toBe(server.app.ctx.conversation.t('en')('ui:directline.budgetFull'));
    // /healthz is not held up by it.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    // Once the flooding conversations are gone (idle), new activities are taken again.
    server.clock.now += 61_000;
    const fresh = await newToken(server.url);
    expect((await fetch(`${server.url}/v3/directline/conversations`, { method: 'POST', headers: { Authorization: `Bearer ${fresh.token}` } })).status).toBe(201);
  });

  it('validates EKEY_DIRECTLINE_MAX_MB at start-up (default 256)', () => {
    expect(ConfigSchema.parse({}).EKEY_DIRECTLINE_MAX_MB).toBe(256);
    for (const bad of ['0', '-5', 'lots', '1.5', '3']) expect(() => loadConfig({ EKEY_DIRECTLINE_MAX_MB: bad }), bad).toThrow(ConfigError);
    expect(() => loadConfig({ EKEY_DIRECTLINE_MAX_MB: 'lots' })).toThrow(/EKEY_DIRECTLINE_MAX_MB/);
  });
});

describe('Direct Line conversation cap (issue 13, item 7)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({}, { limits: { total: 30, perClient: 1_000, idleMs: 600_000 } });
  });
  afterAll(async () => {
    await server.close();
  });

  const generate = (from: string, headers: Record<string, string> = {}) => requestFrom(from, `${server.url}/v3/directline/tokens/generate`, 'POST', headers);

  it('limits the conversations open at once from one address (429 with a reason), not those of other addresses', async () => {
    for (let i = 0; i < 20; i += 1) expect((await generate('127.0.0.2')).status).toBe(200);
    const refused = await generate('127.0.0.2', { 'Accept-Language': 'en' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(refused.body)).toEqual({ error: { code: 'TooManyRequests', message: server.app.ctx.conversation.t('en')('ui:directline.tooManyOpen', { count: 20 }) } });
    expect((await generate('127.0.0.3')).status).toBe(200);
  });

  it('makes room for new visitors at the cap by dropping the longest idle conversations, whose clients find them ended', async () => {
    // 21 conversations are open (the test before); 9 more from other addresses fill the cap of 30.
    const opened: { conversationId: string; token: string }[] = [];
    for (let i = 0; i < 9; i += 1) opened.push(JSON.parse((await generate(`127.0.1.${i + 1}`)).body) as { conversationId: string; token: string });
    server.clock.now += 1_000;
    // The newest nine stay active; the 21 of the test before are now the longest idle.
    for (const o of opened)
      expect((await fetch(`${server.url}/v3/directline/conversations/${o.conversationId}/activities`, { headers: { Authorization: `Bearer ${o.token}` } })).status).toBe(200);
    const newcomers: { conversationId: string; token: string }[] = [];
    for (let i = 0; i < 21; i += 1) {
      const res = await generate(`127.0.2.${i + 1}`);
      expect(res.status).toBe(200);
      newcomers.push(JSON.parse(res.body) as { conversationId: string; token: string });
    }
    // The active ones and the newcomers are all there; room was made from the idle ones only.
    for (const o of [...opened, ...newcomers])
      expect((await fetch(`${server.url}/v3/directline/conversations/${o.conversationId}/activities`, { headers: { Authorization: `Bearer ${o.token}` } })).status).toBe(200);
    // 127.0.0.2's conversations were dropped, so it may open again; the cap now drops the longest idle of the rest.
    expect((await generate('127.0.0.2')).status).toBe(200);
    const first = opened[0] as { conversationId: string; token: string };
    expect((await fetch(`${server.url}/v3/directline/conversations/${first.conversationId}/activities`, { headers: { Authorization: `Bearer ${first.token}` } })).status).toBe(404);
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped address as the IPv4 one', async () => {
    const limits: ConversationLimits = {
      perClient: 1_000,
      clientWindowMs: 3_600_000,
      perAddressOpen: 2,
      perNetworkOpen: 3,
      total: 100,
      idleMs: 60_000,
      activities: 500,
      conversationBytes: 2 * MB,
      frameBytes: MB,
      budgetBytes: 64 * MB,
    };
    const registry = new ConversationRegistry(limits);
    const open = (address: string) =>
      registry.open(address, 'u').then(
        () => 200,
        (err: { status: number }) => err.status,
      );
    const each = async (addresses: string[]) => {
      const statuses: number[] = [];
      for (const a of addresses) statuses.push(await open(a));
      return statuses;
    };
    // Three different addresses of one /64 (as a client rotating its interface identifier), then a fourth refused.
    expect(await each(['2001:db8:0:1::1', '2001:db8:0:1:ffff:ffff:ffff:fffe', '2001:DB8:0:1:0:0:0:2'])).toEqual([200, 200, 200]);
    expect(await open('2001:db8::1:abcd:0:0:7')).toBe(429);
    expect(await open('2001:db8:0:2::1')).toBe(200);
    // The same address in two spellings is one address.
    expect(await each(['2001:db8:0:3::5', '2001:db8:0:3:0:0:0:5', '2001:0db8:0000:0003::0005'])).toEqual([200, 200, 429]);
    expect(await each(['192.0.2.7', '::ffff:192.0.2.7', '192.0.2.7'])).toEqual([200, 200, 429]);
  });
});

describe('Direct Line tokens by POST only, from this site or a listed one (issue 13, item 15)', () => {
  let server: RunningServer;
  const LISTED = 'https://www.example.gov.cn';
  beforeAll(async () => {
    server = await startServer({ EKEY_WIDGET_ORIGINS: LISTED });
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => nock.cleanAll());

  const token = (method: string, headers: Record<string, string> = {}) => fetch(`${server.url}/api/directline/token`, { method, headers });

  it('answers GET with 405, Allow: POST and a reason, opening no conversation however often it is asked', async () => {
    for (let i = 0; i < 40; i += 1) {
      const res = await token('GET', i === 0 ? { 'Accept-Language': 'en' } : {});
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error).toEqual({ code: 'MethodNotAllowed', message: server.app.ctx.conversation.t(i === 0 ? 'en' : 'zh-CN')('ui:directline.tokenPostOnly') });
    }
    // Had the GETs opened conversations, this client's quota and open conversations would be spent.
    for (let i = 0; i < 20; i += 1) expect((await token('POST')).status).toBe(200);
  });

  it("refuses a page of another site (403 with a reason), and gives tokens to this server's own page, a listed site and non-browser clients", async () => {
    // The test before left 20 conversations open from this address: they go idle and are dropped.
    server.clock.now += 2 * 3_600_000 + 1;
    for (const origin of ['https://evil.example.com', 'null', `${LISTED}.evil.example.com`, 'http://www.example.gov.cn']) {
      for (const path of ['/api/directline/token', '/v3/directline/tokens/generate']) {
        const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { origin, 'Accept-Language': 'en' } });
        expect(res.status, `${origin} ${path}`).toBe(403);
        expect(((await res.json()) as { error: { message: string } }).error.message).toBe(server.app.ctx.conversation.t('en')('ui:directline.originRefused'));
      }
    }
    expect((await token('POST', { origin: server.url })).status).toBe(200);
    const listed = await token('POST', { origin: LISTED });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect((await token('POST')).status).toBe(200);
  });
});
