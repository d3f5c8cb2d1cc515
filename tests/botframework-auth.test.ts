import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activity, post, replies, type RunningBot, shownQuestion, startBot } from './botframework-server.js';

const APP_ID = '0a1b2c3d-0000-4000-8000-00000000e1e1';
const METADATA_HOST = 'https://login.botframework.com';
const METADATA_PATH = '/v1/.well-known/openidconfiguration';
const KEYS_PATH = '/v1/.well-known/keys';

const b64url = (x: string | Buffer) => Buffer.from(x).toString('base64url');

/** A token as the Bot Framework Connector signs it: RS256, issuer api.botframework.com, audience the app id. */
function token(key: KeyObject, kid: string, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const payload = b64url(JSON.stringify({ iss: 'https://api.botframework.com', aud: APP_ID, nbf: now - 60, exp: now + 3600, serviceurl: 'http://127.0.0.1:9', ...claims }));
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(key);
  return `${header}.${payload}.${b64url(signature)}`;
}

const channelKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const forgerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = channelKey.publicKey.export({ format: 'jwk' });

/** The Bot Framework's OpenID metadata and signing keys, served by nock: the test never reaches the network. */
function mockBotFrameworkKeys() {
  return nock(METADATA_HOST)
    .get(METADATA_PATH)
    .reply(200, { issuer: 'https://api.botframework.com', jwks_uri: `${METADATA_HOST}${KEYS_PATH}`, id_token_signing_alg_values_supported: ['RS256'] })
    .get(KEYS_PATH)
    .reply(200, { keys: [{ kty: 'RSA', use: 'sig', kid: 'channel-key', n: jwk.n, e: jwk.e, endorsements: ['msteams', 'emulator', 'webchat'] }] });
}

let bot: RunningBot;
beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  bot = await startBot({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-a-real-secret', MicrosoftAppType: 'MultiTenant' });
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  await bot.close();
  nock.enableNetConnect();
});

describe('with MicrosoftAppId set, POST /api/messages authenticates', () => {
  it('refuses a request without a bearer token with 401, before reading it or fetching anything', async () => {
    const r = await post(bot, activity({ text: '钥匙丢了' }));
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ code: 'Unauthorized', message: bot.app.ctx.conversation.t('zh-CN')('ui:refusals.botframework.tokenRequired') });
    // Not read, so its locale is unknown: the request's language decides.
    const en = await post(bot, activity({ text: 'I lost my key' }), { 'accept-language': 'en-US' });
    expect(en.body).toEqual({ code: 'Unauthorized', message: bot.app.ctx.conversation.t('en')('ui:refusals.botframework.tokenRequired') });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('refuses a token that is not a JWT with 401, without fetching the keys', async () => {
    const r = await post(bot, activity({ text: '钥匙丢了' }), { authorization: 'Bearer not-a-token' });
    expect(r.status).toBe(401);
    expect(r.body?.code).toBe('Unauthorized');
  });

  it('refuses a token signed by another key with 401 (keys fetched from the mocked metadata only)', async () => {
    const scope = mockBotFrameworkKeys();
    const forged = token(forgerKey.privateKey, 'channel-key', { serviceurl: 'http://127.0.0.1:9' });
    const r = await post(bot, activity({ text: '钥匙丢了' }), { authorization: `Bearer ${forged}` });
    expect(r.status).toBe(401);
    expect(r.body?.code).toBe('Unauthorized');
    expect(r.text).not.toMatch(/at .*\.js/);
    expect(scope.isDone()).toBe(true);
  });

  it('refuses a well-signed token for another app id with 401', async () => {
    mockBotFrameworkKeys();
    const other = token(channelKey.privateKey, 'channel-key', { aud: '99999999-0000-4000-8000-000000000000' });
    const r = await post(bot, activity({ text: '钥匙丢了' }), { authorization: `Bearer ${other}` });
    expect(r.status).toBe(401);
  });

  it('refuses a well-signed token issued for another serviceUrl with 401: replies cannot be redirected', async () => {
    mockBotFrameworkKeys();
    const elsewhere = token(channelKey.privateKey, 'channel-key', { serviceurl: 'https://smba.example.test/' });
    const r = await post(bot, activity({ serviceUrl: 'http://127.0.0.1:9', text: '钥匙丢了' }), { authorization: `Bearer ${elsewhere}` });
    expect(r.status).toBe(401);
  });

  it('accepts a token the channel signed for this app and answers (expectReplies: no outbound call, so no bot token is needed)', async () => {
    mockBotFrameworkKeys();
    const good = token(channelKey.privateKey, 'channel-key');
    const r = await post(bot, activity({ channelId: 'msteams', conversation: { id: 'auth-ok' }, text: '钥匙丢了' }), { authorization: `Bearer ${good}` });
    const acts = replies(r);
    expect(shownQuestion(acts)?.id).toBeTruthy();
  });

  it('still answers malformed bodies with 400 and oversized ones with 413 once a token is presented', async () => {
    const bad = await post(bot, '{"type":', { authorization: 'Bearer x.y.z' });
    expect(bad.status).toBe(400);
    const big = await post(bot, activity({ text: 'x'.repeat(300 * 1024) }), { authorization: 'Bearer x.y.z' });
    expect(big.status).toBe(413);
  });
});
