import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { type App, createApp } from '../src/app.js';
import { botFrameworkChannel } from '../src/channels/botframework/index.js';
import { casesRoutes } from '../src/channels/http/cases-routes.js';
import { createWechatChannel } from '../src/channels/wechat/routes.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { API_BASE, APPID, SECRET, TOKEN, AES_KEY, push, textXml, type RunningWechat } from './wechat-client.js';

export const AGENT = 'helpdesk-token-0123456789';
const SHORT = { baseDelayMs: 20, maxDelayMs: 200, keepDoneMs: 86_400_000 };
export const REF = /EK-\d{8}-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6}/;

export const running: (() => Promise<void>)[] = [];

/** A test file's services reach only 127.0.0.1 (WeChat and the rest are nock doubles), and are stopped after each test. */
export function offline(): void {
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterAll(() => nock.enableNetConnect());
  afterEach(async () => {
    for (const stop of running.splice(0)) await stop();
    nock.cleanAll();
  });
}

export async function start(env: Record<string, string> = {}, dataDir = mkdtempSync(join(tmpdir(), 'ekey-notify-'))) {
  const config = loadConfig({
    EKEY_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    EKEY_RATE_LIMIT_RPS: '0',
    EKEY_AGENT_TOKEN: AGENT,
    WECHAT_TOKEN: TOKEN,
    WECHAT_APPID: APPID,
    WECHAT_APPSECRET: SECRET,
    WECHAT_ENCODING_AES_KEY: AES_KEY,
    WECHAT_API_BASE: API_BASE,
    WECHAT_MODE: 'compatible',
    ...env,
  });
  const channel = createWechatChannel({ followUpDelayMs: 0, retryDelaysMs: [10, 10], apiTimeoutMs: 300 });
  const app = await createApp(config, { logger: createLogger('silent'), channels: [channel, botFrameworkChannel, casesRoutes], outboxOptions: SHORT });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const w: RunningWechat = { app, url, dataDir, channel, close: async () => undefined };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await channel.settled();
    await app.close();
  };
  running.push(close);
  const move = (reference: string, body: unknown) =>
    fetch(`${url}/api/cases/${reference}/transitions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  return { app, url, w, move, close, dataDir };
}

/** WeChat's API: the token, customer-service messages (the first `failures` answer HTTP 503) and template messages. */
export function wechatApi() {
  let failures = 0;
  const custom: { touser: string; content: string }[] = [];
  const templates: { touser: string; template_id: string; data: Record<string, { value: string }> }[] = [];
  nock(API_BASE).persist().get('/cgi-bin/token').query(true).reply(200, { access_token: 'ACCESS-1', expires_in: 7200 });
  nock(API_BASE)
    .persist()
    .post('/cgi-bin/message/custom/send')
    .query(true)
    .reply((_uri, body) => {
      if (failures > 0) {
        failures -= 1;
        return [503, 'busy'];
      }
      const b = body as { touser: string; text: { content: string } };
      custom.push({ touser: b.touser, content: b.text.content });
      return [200, { errcode: 0, errmsg: 'ok' }];
    });
  nock(API_BASE)
    .persist()
    .post('/cgi-bin/message/template/send')
    .query(true)
    .reply((_uri, body) => {
      templates.push(body as (typeof templates)[number]);
      return [200, { errcode: 0, errmsg: 'ok', msgid: 1 }];
    });
  return { custom, templates, down: (n: number) => (failures = n) };
}

/** A case opened by a WeChat user's consultation, as the channel records it: the reference, its notices bound for `openid`. */
export async function wechatCase(app: App, w: RunningWechat, openid: string): Promise<string> {
  for (const line of ['第一次申请', '线下', '内资']) expect((await push(w, textXml(openid, line), 'compatible')).status).toBe(200);
  await w.channel.settled();
  const page = await app.ctx.cases!.list({ offset: 0, limit: 10 });
  const c = page.items.find((x) => x.notify?.kind === 'wechat' && x.notify.openid === openid);
  expect(c, 'the case records where to tell the enterprise').toBeDefined();
  return c!.reference;
}
