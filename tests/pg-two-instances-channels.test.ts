import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { directLineChannel } from '../src/channels/directline/index.js';
import { createWechatChannel } from '../src/channels/wechat/routes.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { json, newToken, until } from './directline-helpers.js';
import { openStream, postActivity, startConversation, type StreamLog } from './directline-stream-helpers.js';
import { freshDatabase, type TestDatabase } from './pg-helpers.js';
import { API_BASE, APPID, SECRET, TOKEN, AES_KEY, type RunningWechat, send, signedQuery, textXml, eventXml } from './wechat-client.js';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');

/**
 * Two instances of the service (two apps, as two processes would be) on one PostgreSQL database, each on
 * its own port and data folder: a Direct Line conversation opened on one is streamed, posted to and polled
 * on either, replies written by one reaching a stream held by the other; WeChat's retries of one push sent
 * to both at once get one turn and the same reply.
 */
type Instance = RunningWechat;

let testDb: TestDatabase;
const instances: Instance[] = [];
const streams: StreamLog[] = [];

async function start(url: string): Promise<Instance> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ekey-two-'));
  const config = loadConfig({
    EKEY_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    EKEY_RATE_LIMIT_RPS: '0',
    DATABASE_URL: url,
    // The same on every instance: a token signed by one is taken by the other.
    EKEY_DIRECTLINE_SECRET: 'two-instances-shared-directline-secret-0001',
    WECHAT_TOKEN: TOKEN,
    WECHAT_APPID: APPID,
    WECHAT_APPSECRET: SECRET,
    WECHAT_ENCODING_AES_KEY: AES_KEY,
    WECHAT_API_BASE: API_BASE,
    WECHAT_MODE: 'compatible',
  });
  const wechat = createWechatChannel({ followUpDelayMs: 0, retryDelaysMs: [10, 10], apiTimeoutMs: 300 });
  const app = await createApp(config, { logger: createLogger('silent'), channels: [directLineChannel(), wechat] });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const instance: Instance = {
    app,
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    dataDir,
    channel: wechat,
    async close() {
      await wechat.settled();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  instances.push(instance);
  return instance;
}

/** The turns an instance ran on a channel, from its /metrics. */
async function turns(i: Instance, channel: string): Promise<number> {
  const text = await (await fetch(`${i.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`ekey_turns_total{channel="${channel}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

type Activity = StreamLog['sets'][number]['activities'][number];
const streamed = (s: StreamLog): Activity[] => s.sets.flatMap((set) => set.activities);

let a: Instance;
let b: Instance;

beforeAll(async () => {
  testDb = await freshDatabase();
  // One after the other: the second finds the migrations applied by the first.
  a = await start(testDb.url);
  b = await start(testDb.url);
  nock(API_BASE).persist().get('/cgi-bin/token').query(true).reply(200, { access_token: 'ACCESS-1', expires_in: 7200 });
  nock(API_BASE).persist().post('/cgi-bin/message/custom/send').query(true).reply(200, { errcode: 0, errmsg: 'ok' });
}, 60_000);

afterAll(async () => {
  for (const s of streams.splice(0)) s.ws.terminate();
  for (const i of instances.splice(0)) await i.close();
  nock.cleanAll();
  await testDb.drop();
});

describe('Direct Line on two instances sharing PostgreSQL', () => {
  it('streams on B a conversation opened on A, with the replies to posts on either, and polls them on A', async () => {
    const generated = await newToken(a.url);
    const started = await startConversation(a.url, generated.token, { locale: 'zh-CN' });
    const id = started.conversationId;
    // The greeting, written by A.
    const greeting = await until('the greeting on A', async () => {
      const set = await json(await fetch(`${a.url}/v3/directline/conversations/${id}/activities`, { headers: { Authorization: `Bearer ${started.token}` } }));
      return (set.activities as Activity[]).length > 0 ? set : undefined;
    });
    // Reconnecting on B gives a stream URL on B's host, from the watermark the client holds.
    const reconnect = await fetch(`${b.url}/v3/directline/conversations/${id}?watermark=${greeting.watermark as string}`, {
      headers: { Authorization: `Bearer ${started.token}` },
    });
    expect(reconnect.status).toBe(200);
    const { streamUrl } = (await reconnect.json()) as { streamUrl: string };
    expect(new URL(streamUrl).port).toBe(new URL(b.url).port);
    const stream = await openStream(streamUrl);
    streams.push(stream);

    // Posted on B: B's echo and replies reach B's stream, and A's poll.
    const onB = await postActivity(b.url, id, started.token, { type: 'message', text: '钥匙丢了', from: { id: 'user' } });
    expect(onB.status).toBe(200);
    const echoB = ((await onB.json()) as { id: string }).id;
    await until('the reply to the post on B, streamed on B', () => streamed(stream).some((x) => x.replyToId === echoB && x.from.role === 'bot') || undefined);
    const polled = await json(
      await fetch(`${a.url}/v3/directline/conversations/${id}/activities?watermark=${greeting.watermark as string}`, { headers: { Authorization: `Bearer ${started.token}` } }),
    );
    const polledIds = (polled.activities as Activity[]).map((x) => x.id);
    expect(polledIds).toContain(echoB);
    expect(polledIds).toEqual(streamed(stream).map((x) => x.id));

    // Posted on A: the reply written by A is woken on B's stream through NOTIFY.
    const onA = await postActivity(a.url, id, started.token, { type: 'message', text: '注销证书', from: { id: 'user' } });
    const echoA = ((await onA.json()) as { id: string }).id;
    await until('the reply written by A, streamed on B', () => streamed(stream).some((x) => x.replyToId === echoA && x.from.role === 'bot') || undefined);
    const ids = streamed(stream).map((x) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
    // One conversation, numbered in order across both instances.
    expect(ids).toEqual([...ids].sort());
  }, 30_000);

  it('brings a notice sent by A to the web widget streaming on B', async () => {
    const generated = await newToken(a.url);
    const started = await startConversation(a.url, generated.token);
    const reconnect = await fetch(`${b.url}/v3/directline/conversations/${started.conversationId}`, { headers: { Authorization: `Bearer ${started.token}` } });
    const stream = await openStream(((await reconnect.json()) as { streamUrl: string }).streamUrl);
    streams.push(stream);
    await until('the greeting on B', () => streamed(stream).length > 0 || undefined);
    const userId = JSON.parse(Buffer.from(started.token.split('.')[1] as string, 'base64url').toString()).user as string;
    const title = '案件 EK-TWO-0001 已受理';
    await a.app.ctx.notify!.outbox.enqueue(
      'two-instances-notice',
      { kind: 'directline', conversationId: started.conversationId, userId },
      { kind: 'case', lang: 'zh-CN', title, lines: ['请留意后续通知。'], fields: {} },
    );
    await a.app.ctx.notify!.outbox.settled();
    await until('the notice on B', () => streamed(stream).some((x) => (x.text ?? '').includes(title) || JSON.stringify(x).includes(title)) || undefined);
  });

  it('starts a conversation once when both instances are asked at the same moment: one greeting', async () => {
    const generated = await newToken(b.url);
    const both = await Promise.all([a, b].map((i) => startConversation(i.url, generated.token)));
    expect(new Set(both.map((x) => x.conversationId)).size).toBe(1);
    const set = await json(await fetch(`${a.url}/v3/directline/conversations/${generated.conversationId}/activities`, { headers: { Authorization: `Bearer ${generated.token}` } }));
    const bot = (set.activities as Activity[]).filter((x) => x.from.role === 'bot');
    expect(bot.length).toBeGreaterThan(0);
    // The greeting of a single start: had both started it, each of its activities would come twice.
    const texts = bot.map((x) => x.text ?? '');
    expect(new Set(texts).size).toBe(texts.length);
  });
});

describe('WeChat on two instances sharing PostgreSQL', () => {
  it('gives the same push, sent to A and B at once, one turn and identical replies', async () => {
    const openid = 'o-two-instances';
    const before = (await turns(a, 'wechat')) + (await turns(b, 'wechat'));
    for (let round = 0; round < 3; round++) {
      const xml = round === 0 ? eventXml(openid, 'subscribe', '', String(Math.floor(Date.now() / 1000) - 10)) : textXml(openid, round === 1 ? '钥匙丢了' : '1');
      // A retry of WeChat's carries the same body and signature, to whichever instance it reaches.
      const q = signedQuery('plain');
      const [onA, onB, again] = await Promise.all([send(a, q, xml), send(b, q, xml), send(b, q, xml)]);
      expect(onA.status).toBe(200);
      expect(onA.reply?.Content).toBeTruthy();
      expect(onB.reply?.Content).toBe(onA.reply?.Content);
      expect(again.reply?.Content).toBe(onA.reply?.Content);
      expect((await turns(a, 'wechat')) + (await turns(b, 'wechat'))).toBe(before + round + 1);
    }
  }, 30_000);

  it('refuses on B a timestamp and nonce that signed another message on A', async () => {
    const q = signedQuery('plain');
    expect((await send(a, q, textXml('o-replay', '帮助'))).status).toBe(200);
    const replayed = await send(b, q, textXml('o-replay', '注销证书'));
    expect(replayed.status).toBe(403);
    expect(JSON.parse(replayed.body)).toMatchObject({ code: 'Replayed' });
  });
});
