import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessTokens } from '../src/channels/wechat/access-token.js';
import { WechatApiError } from '../src/channels/wechat/api.js';
import { CustomMessageSender } from '../src/channels/wechat/custom-send.js';
import { Outbox } from '../src/channels/wechat/outbox.js';
import { createLogger } from '../src/logger.js';

nock.disableNetConnect();

const BASE = 'https://wechat-api.test';
const APP = { appid: 'wx-test-app', secret: 'test-secret-123' };
const tokenQuery = { grant_type: 'client_credential', ...APP };
const logger = createLogger('silent');
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ekey-wechat-api-'));
  dirs.push(d);
  return d;
};

let clock = 1_700_000_000_000;
const tokens = (timeoutMs = 500) => new AccessTokens({ apiBase: BASE, appId: APP.appid, secret: APP.secret, timeoutMs, now: () => clock });

beforeEach(() => {
  clock = 1_700_000_000_000;
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the access token', () => {
  it('is fetched once and shared, by concurrent callers too', async () => {
    const scope = nock(BASE).get('/cgi-bin/token').query(tokenQuery).once().reply(200, { access_token: 'T1', expires_in: 7200 });
    const t = tokens();
    expect(await Promise.all([t.get(), t.get(), t.get()])).toEqual(['T1', 'T1', 'T1']);
    expect(await t.get()).toBe('T1');
    expect(scope.isDone()).toBe(true);
  });

  it('is renewed before it expires', async () => {
    nock(BASE).get('/cgi-bin/token').query(tokenQuery).reply(200, { access_token: 'T1', expires_in: 7200 });
    nock(BASE).get('/cgi-bin/token').query(tokenQuery).reply(200, { access_token: 'T2', expires_in: 7200 });
    const t = tokens();
    expect(await t.get()).toBe('T1');
    clock += 7200_000 - 6 * 60_000;
    expect(await t.get()).toBe('T1');
    clock += 2 * 60_000; // now within five minutes of expiry
    expect(await t.get()).toBe('T2');
  });

  it('is dropped when a call was refused for it, unless already replaced', async () => {
    nock(BASE).get('/cgi-bin/token').query(tokenQuery).reply(200, { access_token: 'T1', expires_in: 7200 });
    nock(BASE).get('/cgi-bin/token').query(tokenQuery).reply(200, { access_token: 'T2', expires_in: 7200 });
    const t = tokens();
    await t.get();
    t.invalidate('T0');
    expect(await t.get()).toBe('T1');
    t.invalidate('T1');
    expect(await t.get()).toBe('T2');
  });

  it('reports an API error by its errcode and never with the secret', async () => {
    nock(BASE).get('/cgi-bin/token').query(tokenQuery).reply(200, { errcode: 40125, errmsg: 'invalid appsecret' });
    const err = (await tokens()
      .get()
      .catch((e: unknown) => e)) as WechatApiError;
    expect(err).toBeInstanceOf(WechatApiError);
    expect(err.errcode).toBe(40125);
    expect(err.transient).toBe(false);
    expect(err.message).not.toContain(APP.secret);
  });

  it('gives up on a token endpoint that does not answer in time', async () => {
    nock(BASE).get('/cgi-bin/token').query(tokenQuery).delay(1_000).reply(200, { access_token: 'late', expires_in: 7200 });
    const err = (await tokens(100)
      .get()
      .catch((e: unknown) => e)) as WechatApiError;
    expect(err.kind).toBe('timeout');
    expect(err.transient).toBe(true);
  });
});

describe('customer-service messages', () => {
  const send = (t = tokens()) => new CustomMessageSender(t, BASE, 500);

  it('posts the text to the user with the access token', async () => {
    nock(BASE).get('/cgi-bin/token').query(tokenQuery).reply(200, { access_token: 'T1', expires_in: 7200 });
    let body: unknown;
    const scope = nock(BASE)
      .post('/cgi-bin/message/custom/send', (b) => ((body = b), true))
      .query({ access_token: 'T1' })
      .reply(200, { errcode: 0, errmsg: 'ok' });
    await send().sendText('o-user', '第二部分');
    expect(scope.isDone()).toBe(true);
    expect(body).toEqual({ touser: 'o-user', msgtype: 'text', text: { content: '第二部分' } });
  });

  it.each([40001, 42001])('renews the token once on %i and sends again', async (errcode) => {
    nock(BASE).get('/cgi-bin/token').query(tokenQuery).reply(200, { access_token: 'OLD', expires_in: 7200 });
    nock(BASE).get('/cgi-bin/token').query(tokenQuery).reply(200, { access_token: 'NEW', expires_in: 7200 });
    nock(BASE).post('/cgi-bin/message/custom/send').query({ access_token: 'OLD' }).reply(200, { errcode, errmsg: 'token' });
    const ok = nock(BASE).post('/cgi-bin/message/custom/send').query({ access_token: 'NEW' }).reply(200, { errcode: 0, errmsg: 'ok' });
    await send().sendText('o-user', 'x');
    expect(ok.isDone()).toBe(true);
  });

  it('renews only once: a second refusal is an error', async () => {
    nock(BASE).get('/cgi-bin/token').query(tokenQuery).times(2).reply(200, { access_token: 'T', expires_in: 7200 });
    nock(BASE).post('/cgi-bin/message/custom/send').query(true).times(2).reply(200, { errcode: 40001, errmsg: 'invalid credential' });
    await expect(send().sendText('o-user', 'x')).rejects.toMatchObject({ errcode: 40001 });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('reports 45015 (the user has not written for 48 hours) as not worth retrying now', async () => {
    nock(BASE).get('/cgi-bin/token').query(tokenQuery).reply(200, { access_token: 'T', expires_in: 7200 });
    nock(BASE).post('/cgi-bin/message/custom/send').query(true).reply(200, { errcode: 45015, errmsg: 'response out of time limit' });
    const err = (await send()
      .sendText('o-user', 'x')
      .catch((e: unknown) => e)) as WechatApiError;
    expect(err.errcode).toBe(45015);
    expect(err.transient).toBe(false);
  });

  it('reports a timeout and a server error as passing', async () => {
    nock(BASE).get('/cgi-bin/token').query(tokenQuery).reply(200, { access_token: 'T', expires_in: 7200 });
    nock(BASE).post('/cgi-bin/message/custom/send').query(true).delay(1_000).reply(200, { errcode: 0 });
    nock(BASE).post('/cgi-bin/message/custom/send').query(true).reply(502, 'bad gateway');
    const s = new CustomMessageSender(tokens(), BASE, 100);
    expect(await s.sendText('o', 'x').catch((e: WechatApiError) => [e.kind, e.transient])).toEqual(['timeout', true]);
    expect(await s.sendText('o', 'x').catch((e: WechatApiError) => [e.kind, e.status, e.transient])).toEqual(['http', 502, true]);
  });
});

/** A sender standing in for the API, scripted per call: 'ok', or an errcode / failure kind. */
function scriptedSender(script: (string | number)[]) {
  const sent: string[] = [];
  const tried: string[] = [];
  return {
    sent,
    tried,
    async sendText(_openid: string, content: string) {
      tried.push(content);
      const step = script.shift() ?? 'ok';
      if (step === 'ok') return void sent.push(content);
      if (typeof step === 'number') throw new WechatApiError('errcode', step);
      throw new WechatApiError(step as 'timeout');
    },
  };
}

describe('the outbox of follow-up parts', () => {
  const outbox = (sender: ReturnType<typeof scriptedSender>, dataDir = tempDir()) =>
    new Outbox(sender, logger, { dataDir, startDelayMs: 0, retryDelaysMs: [5, 5], keepMs: 3_600_000 });

  it('sends the parts in order, later parts behind earlier ones', async () => {
    const s = scriptedSender([]);
    const box = outbox(s);
    await box.deliver('u', ['1', '2']);
    await box.deliver('u', ['3']);
    await box.settled();
    expect(s.sent).toEqual(['1', '2', '3']);
    expect(await box.takeUndelivered('u')).toEqual([]);
  });

  it('retries a part that timed out, then goes on', async () => {
    const s = scriptedSender(['ok', 'timeout', 'ok', 'ok']);
    const box = outbox(s);
    await box.deliver('u', ['1', '2', '3']);
    await box.settled();
    expect(s.sent).toEqual(['1', '2', '3']);
    expect(s.tried).toEqual(['1', '2', '2', '3']);
  });

  it('stops at 45015 and keeps the rest, on disk, for the next reply', async () => {
    const s = scriptedSender(['ok', 45015]);
    const dir = tempDir();
    const box = outbox(s, dir);
    await box.deliver('u', ['1', '2', '3']);
    await box.settled();
    expect(s.sent).toEqual(['1']);
    expect(s.tried).toEqual(['1', '2']);
    expect(readdirSync(join(dir, 'wechat-outbox'))).toHaveLength(1);

    // A restart loses nothing: another instance over the same directory finds the parts.
    const again = outbox(scriptedSender([]), dir);
    expect(await again.takeUndelivered('u')).toEqual(['2', '3']);
    expect(await again.takeUndelivered('u')).toEqual([]);
    expect(readdirSync(join(dir, 'wechat-outbox'))).toHaveLength(0);
  });

  it('keeps parts whose passing failures outlast the retries', async () => {
    const s = scriptedSender(['timeout', 'timeout', 'timeout']);
    const box = outbox(s);
    await box.deliver('u', ['1', '2']);
    await box.settled();
    expect(s.tried).toEqual(['1', '1', '1']);
    expect(await box.takeUndelivered('u')).toEqual(['1', '2']);
  });

  it('sends kept parts first when more are queued without a reply to open', async () => {
    const s = scriptedSender([45047]);
    const box = outbox(s);
    await box.deliver('u', ['1']);
    await box.settled();
    await box.deliver('u', ['2']);
    await box.settled();
    expect(s.sent).toEqual(['1', '2']);
  });

  it('forgets what an unsubscribed user had not received', async () => {
    const s = scriptedSender([45015]);
    const box = outbox(s);
    await box.deliver('u', ['1', '2']);
    await box.settled();
    await box.forget('u');
    expect(await box.takeUndelivered('u')).toEqual([]);
  });

  it('keeps users apart', async () => {
    const s = scriptedSender([45015]);
    const box = outbox(s);
    await box.deliver('a', ['a1']);
    await box.settled();
    await box.deliver('b', ['b1']);
    await box.settled();
    expect(await box.takeUndelivered('b')).toEqual([]);
    expect(await box.takeUndelivered('a')).toEqual(['a1']);
  });
});
