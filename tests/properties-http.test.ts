import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/app.js';
import { botFrameworkChannel } from '../src/channels/botframework/index.js';
import { directLineChannel } from '../src/channels/directline/index.js';
import { casesRoutes } from '../src/channels/http/cases-routes.js';
import { createWechatChannel } from '../src/channels/wechat/routes.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { type BadInput, send } from './bad-input/corpus.js';
import { say, texts } from './messages-client.js';
import { referencesIn } from './service-process.js';
import { AES_KEY, API_BASE, APPID, SECRET, signedQuery, TOKEN } from './wechat-client.js';

/**
 * The HTTP endpoints, for any body with any content type (and any reference in a path): no 5xx, and the
 * server still answers /healthz afterwards.
 */
const AGENT = 'properties-agent-token-0123456789';
let app: App;
let url: string;
let dataDir: string;
let ref: string;
let directLine: { conversationId: string; token: string };

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
  nock(API_BASE)
    .persist()
    .get(/\/cgi-bin\/token/)
    .reply(200, { access_token: 'ACCESS-PROPERTIES', expires_in: 7200 });
  nock(API_BASE)
    .persist()
    .post(/\/cgi-bin\/message\/custom\/send/)
    .reply(200, { errcode: 0, errmsg: 'ok' });
  dataDir = mkdtempSync(join(tmpdir(), 'ekey-props-'));
  const config = loadConfig({
    EKEY_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    EKEY_RATE_LIMIT_RPS: '0',
    EKEY_AGENT_TOKEN: AGENT,
    WECHAT_TOKEN: TOKEN,
    WECHAT_APPID: APPID,
    WECHAT_APPSECRET: SECRET,
    WECHAT_ENCODING_AES_KEY: AES_KEY,
    // Plain and sealed pushes both reach the channel here (safe alone is the default with a key).
    WECHAT_MODE: 'compatible',
    WECHAT_API_BASE: API_BASE,
  });
  const wechat = createWechatChannel({ followUpDelayMs: 0, retryDelaysMs: [10, 10], apiTimeoutMs: 300 });
  app = await createApp(config, {
    logger: createLogger('silent'),
    channels: [botFrameworkChannel, wechat, casesRoutes, directLineChannel({ limits: { perClient: 100_000 } })],
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  await say(url, 'props-seed', '钥匙丢了');
  ref = referencesIn(texts(await say(url, 'props-seed', '内资')))[0] as string;
  const generated = (await (await fetch(`${url}/v3/directline/tokens/generate`, { method: 'POST' })).json()) as { conversationId: string; token: string };
  directLine = generated;
  await fetch(`${url}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${generated.token}` } });
});
afterAll(async () => {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
  nock.cleanAll();
  nock.enableNetConnect();
});

/** Header values a client can send at all (visible ASCII). */
const headerValue = fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,60}$/);
const contentType = fc.option(
  fc.oneof(
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/xml',
      'application/xml',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'text/html',
    ),
    headerValue,
  ),
  { nil: undefined },
);
/** Bodies of every kind: random bytes and text, any JSON, activity-like objects with fields of any type, XML-like text. */
const body = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
  fc.json({ maxDepth: 6 }),
  fc
    .record(
      {
        type: fc.oneof(fc.constantFrom('message', 'conversationUpdate', 'event', 'typing', 'invoke'), fc.anything()),
        channelId: fc.oneof(fc.constant('emulator'), fc.anything()),
        serviceUrl: fc.oneof(fc.constant('http://127.0.0.1:9'), fc.webUrl(), fc.anything()),
        conversation: fc.oneof(fc.record({ id: fc.oneof(fc.string(), fc.anything()) }), fc.anything()),
        from: fc.anything(),
        text: fc.oneof(fc.string({ unit: 'binary' }), fc.anything()),
        value: fc.anything(),
        locale: fc.anything(),
        deliveryMode: fc.constantFrom('expectReplies', 'normal', undefined),
        to: fc.oneof(fc.constantFrom('submitted', 'closed', 'verified'), fc.anything()),
        agent: fc.anything(),
        remark: fc.anything(),
        user: fc.anything(),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o) ?? 'null'),
  fc
    .array(fc.oneof(fc.constantFrom('<xml>', '</xml>', '<MsgType>text</MsgType>', '<Content><![CDATA[', ']]></Content>', '<!DOCTYPE', '&amp;', '&#0;'), fc.string()), {
      maxLength: 12,
    })
    .map((a) => a.join('')),
);

const typed = (type: string | undefined): Record<string, string> => (type === undefined ? {} : { 'content-type': type });

const endpoints: ((b: string | Buffer, type: string | undefined) => BadInput)[] = [
  (b, type) => ({ name: 'messages', path: '/api/messages', headers: typed(type), body: b, expect: '4xx' }),
  (b, type) => ({ name: 'wechat', path: `/api/wechat?${signedQuery('plain')}`, headers: typed(type), body: b, expect: '4xx' }),
  (b, type) => ({ name: 'transition', path: `/api/cases/${ref}/transitions`, headers: { authorization: `Bearer ${AGENT}`, ...typed(type) }, body: b, expect: '4xx' }),
  (b, type) => ({ name: 'callback', path: `/api/cases/${ref}/callback`, headers: { authorization: `Bearer ${AGENT}`, ...typed(type) }, body: b, expect: '4xx' }),
  (b, type) => ({ name: 'directline token', path: '/v3/directline/tokens/generate', headers: typed(type), body: b, expect: '4xx' }),
  (b, type) => ({
    name: 'directline activity',
    path: `/v3/directline/conversations/${directLine.conversationId}/activities`,
    headers: { authorization: `Bearer ${directLine.token}`, ...typed(type) },
    body: b,
    expect: '4xx',
  }),
];

describe('the HTTP endpoints, for any input', () => {
  it('answer any body with any content type without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(endpoints.length - 1), body, contentType, async (i, b, type) => {
        const input = (endpoints[i] as (typeof endpoints)[number])(b, type);
        const a = await send(url, input);
        expect(a.status, `${input.name}: ${a.body.slice(0, 200)}`).toBeGreaterThanOrEqual(200);
        expect(a.status, `${input.name}: ${a.body.slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 1_500 },
    );
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  }, 60_000);

  it('answer any reference in a path, any query, without a 5xx', async () => {
    const segment = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => encodeURIComponent(s)),
      fc.stringMatching(/^[!-~]{0,40}$/).map((s) => s.replace(/[#?]/g, '')),
    );
    const path = fc.tuple(
      fc.constantFrom('/api/cases/', '/cases/', '/v3/directline/conversations/'),
      segment,
      fc.constantFrom('', '/checklist', '/transitions', '/activities'),
      fc.stringMatching(/^[!-~]{0,30}$/).map((q) => q.replace(/#/g, '')),
    );
    await fc.assert(
      fc.asyncProperty(path, fc.constantFrom('GET', 'POST'), async ([prefix, seg, suffix, query], method) => {
        const a = await send(url, {
          name: 'path',
          method,
          path: `${prefix}${seg}${suffix}?${query}`,
          headers: { authorization: `Bearer ${AGENT}`, 'content-type': 'application/json' },
          body: method === 'POST' ? '{}' : undefined,
          expect: '4xx',
        });
        expect(a.status, `${method} ${prefix}${seg}${suffix}?${query}: ${a.body.slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 1_000 },
    );
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  }, 60_000);
});
