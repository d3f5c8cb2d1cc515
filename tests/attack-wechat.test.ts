import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WechatCipher } from '../src/channels/wechat/cipher.js';
import { wechatSignature } from '../src/channels/wechat/signature.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { AES_KEY, APPID, push, send, signedQuery, startWechat, textXml, TOKEN, type RunningWechat } from './wechat-client.js';

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
});
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const content = (r: { reply?: { Content?: string } }) => r.reply?.Content ?? '';

/** A plain push's query signed for a given time (seconds) and nonce. */
function queryAt(seconds: number, nonce = String(Math.floor(Math.random() * 1e9))): URLSearchParams {
  const timestamp = String(seconds);
  return new URLSearchParams({ signature: wechatSignature(TOKEN, timestamp, nonce), timestamp, nonce });
}
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('WeChat replays (items 3 and 17)', () => {
  let w: RunningWechat;
  beforeAll(async () => {
    w = await startWechat();
  });
  afterAll(() => w.close());

  it('refuses a correctly signed push whose timestamp is more than 5 minutes off, either way', async () => {
    for (const offset of [-6 * 60, 6 * 60, -86_400]) {
      const r = await send(w, queryAt(nowSeconds() + offset), textXml('o-stale', '钥匙丢了'));
      expect(r.status).toBe(403);
      expect(r.body).toContain('StaleTimestamp');
    }
    const get = await fetch(`${w.url}/api/wechat?${queryAt(nowSeconds() - 3_600)}&echostr=1`);
    expect(get.status).toBe(403);
    // Within the window it is taken.
    expect((await send(w, queryAt(nowSeconds() - 4 * 60), textXml('o-stale', '钥匙丢了'))).status).toBe(200);
  });

  it("refuses a second, different message under a (timestamp, nonce) already used, and answers WeChat's retry of the same one alike", async () => {
    const q = queryAt(nowSeconds(), 'nonce-replay-1');
    const first = await send(w, q, textXml('o-replay', '钥匙丢了', '990000001'));
    expect(first.status).toBe(200);
    const retry = await send(w, q, textXml('o-replay', '钥匙丢了', '990000001'));
    expect(retry.status).toBe(200);
    expect(content(retry)).toBe(content(first));
    // A captured signature replayed with another message (another user's, or another text).
    const forged = await send(w, q, textXml('o-victim', '内资', '990000002'));
    expect(forged.status).toBe(403);
    expect(forged.body).toContain('Replayed');
  });

  it("keys the retry cache by sender and MsgId: another user's message with the same MsgId gets its own answer", async () => {
    const a = await push(w, textXml('o-user-a', '钥匙丢了', '424242'));
    const b = await push(w, textXml('o-user-b', '帮助', '424242'));
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.reply?.ToUserName).toBe('o-user-b');
    expect(content(b)).not.toBe(content(a));
  });
});

describe('WeChat mode (item 3)', () => {
  it('defaults to safe with an AES key and refuses a plain push there (a downgrade)', async () => {
    const w = await startWechat({ WECHAT_MODE: '' });
    try {
      const plain = await push(w, textXml('o-downgrade', '钥匙丢了'));
      expect(plain.status).toBe(400);
      expect(plain.body).toContain('WrongMode');
      const safe = await push(w, textXml('o-downgrade', '钥匙丢了'), 'safe');
      expect(safe.status).toBe(200);
      expect(content(safe)).toContain('内资');
      // compatible mode sends encrypt_type=aes too: taken in safe mode.
      expect((await push(w, textXml('o-downgrade-2', '钥匙丢了'), 'compatible')).status).toBe(200);
    } finally {
      await w.close();
    }
  });

  it('in plain mode refuses a sealed push; compatible takes both', async () => {
    const plain = await startWechat({ WECHAT_MODE: 'plain' });
    try {
      expect((await push(plain, textXml('o-p', '钥匙丢了'), 'safe')).status).toBe(400);
      expect((await push(plain, textXml('o-p', '钥匙丢了'))).status).toBe(200);
    } finally {
      await plain.close();
    }
    const compatible = await startWechat({ WECHAT_MODE: 'compatible' });
    try {
      expect((await push(compatible, textXml('o-c', '钥匙丢了'))).status).toBe(200);
      expect((await push(compatible, textXml('o-c2', '钥匙丢了'), 'safe')).status).toBe(200);
    } finally {
      await compatible.close();
    }
  });

  it('is validated at start-up: safe or compatible without an AES key, or an unknown mode, stops the service', () => {
    const base = { WECHAT_TOKEN: TOKEN, WECHAT_APPID: APPID, WECHAT_APPSECRET: 'secret' };
    expect(() => loadConfig({ ...base, WECHAT_MODE: 'safe' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, WECHAT_MODE: 'compatible' })).toThrow(/WECHAT_MODE/);
    expect(() => loadConfig({ ...base, WECHAT_MODE: 'secure', WECHAT_ENCODING_AES_KEY: AES_KEY })).toThrow(/WECHAT_MODE/);
    expect(loadConfig({ ...base, WECHAT_MODE: 'plain' }).WECHAT_MODE).toBe('plain');
  });

  it('a sealed push replayed with its signature after 5 minutes is refused too', async () => {
    const w = await startWechat({ WECHAT_MODE: 'safe' });
    try {
      const encrypt = new WechatCipher(AES_KEY, APPID).encrypt(textXml('o-sealed-old', '钥匙丢了'));
      const q = signedQuery('safe', encrypt);
      const old = String(nowSeconds() - 10 * 60);
      q.set('timestamp', old);
      q.set('signature', wechatSignature(TOKEN, old, q.get('nonce') as string));
      q.set('msg_signature', wechatSignature(TOKEN, old, q.get('nonce') as string, encrypt));
      const r = await send(w, q, `<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`, 'safe');
      expect(r.status).toBe(403);
    } finally {
      await w.close();
    }
  });
});
