import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/app.js';
import { checkCharacter } from '../src/cases/contact.js';
import { botFrameworkChannel } from '../src/channels/botframework/index.js';
import { directLineChannel } from '../src/channels/directline/index.js';
import { casesRoutes } from '../src/channels/http/cases-routes.js';
import { createWechatChannel } from '../src/channels/wechat/routes.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { say, texts } from './messages-client.js';
import { referencesIn } from './service-process.js';
import { AES_KEY, API_BASE, APPID, push, SECRET, TOKEN, textXml } from './wechat-client.js';

/**
 * No personal data and no secret in the logs: consultations with contact details (an enterprise name,
 * a valid 18-character unified social credit code, a mobile number), status queries, WeChat and Direct
 * Line messages, the agent API with its token (searching by mobile number, changing a status), refused
 * requests and throttled ones, all at LOG_LEVEL=debug; then the whole log is searched.
 */
const NAME = '厦门海沧鹭岛测试进出口贸易有限公司';
const FIRST17 = '91350205MA8RT4QK2';
const CODE = `${FIRST17}${checkCharacter(FIRST17)}`;
const MOBILE = '13912345678';
const AGENT = 'security-logs-agent-token-0123456789';
const OPENID = 'o-logs-private-openid-7x';
const SAID = ['钥匙丢了', '鹭岛贸易的钥匙坏了怎么办', '我的电话是一三九', 'zzqx-private-words'];

let app: App;
let url: string;
let dataDir: string;
let log = '';
let wechat: ReturnType<typeof createWechatChannel>;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
  nock(API_BASE)
    .persist()
    .get(/\/cgi-bin\/token/)
    .reply(200, { access_token: 'ACCESS-LOGS-SECRET', expires_in: 7200 });
  nock(API_BASE)
    .persist()
    .post(/\/cgi-bin\/message\/custom\/send/)
    .reply(200, { errcode: 45015, errmsg: 'response out of time limit' });
  dataDir = mkdtempSync(join(tmpdir(), 'ekey-logs-'));
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const config = loadConfig({
    EKEY_DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    EKEY_RATE_LIMIT_RPS: '50',
    EKEY_RATE_LIMIT_BURST: '60',
    EKEY_AGENT_TOKEN: AGENT,
    WECHAT_TOKEN: TOKEN,
    WECHAT_APPID: APPID,
    WECHAT_APPSECRET: SECRET,
    WECHAT_ENCODING_AES_KEY: AES_KEY,
    // Plain and sealed pushes both reach the channel here (safe alone is the default with a key).
    WECHAT_MODE: 'compatible',
    WECHAT_API_BASE: API_BASE,
  });
  wechat = createWechatChannel({ followUpDelayMs: 0, retryDelaysMs: [10, 10], apiTimeoutMs: 300 });
  app = await createApp(config, { logger: createLogger(config.LOG_LEVEL, sink), channels: [botFrameworkChannel, wechat, casesRoutes, directLineChannel()] });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await wechat.settled();
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('the logs', () => {
  it('hold neither personal data nor secrets, at debug level, whatever went through the service', async () => {
    const zh = app.ctx.conversation.t('zh-CN');
    // A consultation, its case, and the contact details given in the chat.
    await say(url, 'logs-1', SAID[0] as string);
    const [ref] = referencesIn(texts(await say(url, 'logs-1', '内资')));
    expect(ref).toMatch(/^EK-/);
    await say(url, 'logs-1', '登记联系方式');
    await say(url, 'logs-1', NAME);
    await say(url, 'logs-1', CODE);
    expect(texts(await say(url, 'logs-1', MOBILE))).toContain(zh('ui:contact.saved', { reference: ref }));
    // Its status, asked with wrong and right last four digits; a call-back; words not understood.
    await say(url, 'logs-2', `查询进度 ${ref}`);
    await say(url, 'logs-2', '0000');
    await say(url, 'logs-2', MOBILE.slice(-4));
    await say(url, 'logs-1', '转人工');
    for (const text of SAID.slice(1)) await say(url, 'logs-3', text);
    // A malformed activity carrying the mobile number.
    await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"text":"${MOBILE}",` });

    // WeChat, plain and safe mode, with the name in the message; a long answer whose parts the API refuses.
    const w = { app, url, dataDir, channel: wechat, close: async () => undefined };
    await push(w, textXml(OPENID, `${NAME}${SAID[0]}`), 'safe');
    await push(w, textXml(OPENID, '内资'));
    await wechat.settled();
    // The local Direct Line.
    const dl = (await (await fetch(`${url}/v3/directline/tokens/generate`, { method: 'POST' })).json()) as { conversationId: string; token: string };
    await fetch(`${url}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${dl.token}` } });
    await fetch(`${url}/v3/directline/conversations/${dl.conversationId}/activities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dl.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', from: { id: 'user', name: NAME }, text: `${SAID[1]} ${MOBILE}` }),
    });

    // The agent API: a search by mobile number, a status change with a remark, a wrong token.
    const agent = { authorization: `Bearer ${AGENT}`, 'content-type': 'application/json' };
    const found = (await (await fetch(`${url}/api/cases?text=${MOBILE}`, { headers: agent })).json()) as { total: number };
    expect(found.total).toBe(1);
    const moved = await fetch(`${url}/api/cases/${ref}/transitions`, {
      method: 'POST',
      headers: agent,
      body: JSON.stringify({ to: 'submitted', agent: '王芳', remark: `${NAME} ${MOBILE}` }),
    });
    expect(moved.status).toBe(200);
    expect((await fetch(`${url}/api/cases`, { headers: { authorization: `Bearer ${AGENT}x` } })).status).toBe(401);
    // Enough searches at once to be throttled: the refusal is logged.
    const statuses = await Promise.all(Array.from({ length: 90 }, () => fetch(`${url}/api/cases?text=${MOBILE}&code=${CODE}`, { headers: agent }).then((r) => r.status)));
    expect(statuses).toContain(429);
    await new Promise((r) => setTimeout(r, 100));

    // The log says what happened...
    const lines = log.trim().split('\n');
    expect(lines.length).toBeGreaterThan(100);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    for (const expected of [
      '"msg":"request"',
      '"msg":"case status changed"',
      '"msg":"rate limited"',
      '"msg":"WeChat message"',
      '"msg":"customer-service message not delivered',
      '"level":20',
    ])
      expect(log).toContain(expected);
    // ...and nothing about whom.
    const forbidden = [NAME, '鹭岛', CODE, FIRST17, MOBILE, '139 1234', '1391234', AGENT, SECRET, TOKEN, 'ACCESS-LOGS-SECRET', OPENID, dl.token, ...SAID, '内资', '王芳'];
    for (const secret of forbidden) expect(log, secret).not.toContain(secret);
  }, 60_000);
});
