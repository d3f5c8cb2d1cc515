import { createDecipheriv, createHash } from 'node:crypto';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { CipherError, WechatCipher } from '../src/channels/wechat/cipher.js';
import { signatureMatches, wechatSignature } from '../src/channels/wechat/signature.js';

nock.disableNetConnect();

/*
 * Published vectors of Tencent's WXBizMsgCrypt samples, each checked here against this implementation:
 * - Official Account (公众平台) sample (Sample.py / the Node ports' README): token "spamtest".
 * - WeCom (企业微信) sample (Sample.cpp/.php/.cs, "QDG6eK"): the same cipher with the corp id as app id,
 *   for a message and for a URL-verification echostr.
 * - The Java sample's test (WXBizMsgCryptTest, "pamtest"): encryption with a fixed random string, so the
 *   ciphertext itself is known.
 */
const MP = {
  token: 'spamtest',
  aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appId: 'wx2c2769f8efd9abc2',
  timestamp: '1409735669',
  nonce: '1320562132',
  msgSignature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
  encrypt:
    'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=',
  plaintext:
    '<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>',
};

const WECOM = {
  token: 'QDG6eK',
  aesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  corpId: 'wx5823bf96d3bd56c7',
  message: {
    timestamp: '1409659813',
    nonce: '1372623149',
    msgSignature: '477715d11cdb4164915debcba66cb864d751f3e6',
    encrypt:
      'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==',
  },
  echo: {
    timestamp: '1409659589',
    nonce: '263014780',
    msgSignature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
    echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
  },
};

const JAVA = {
  aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appId: 'wxb11529c136998cb6',
  random: 'aaaabbbbccccdddd',
  replyMsg: '我是中文abcd123',
  afterAesEncrypt: 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==',
};

/** An independent reading of the format with Node's crypto and OpenSSL's own padding check switched on. */
function referenceDecrypt(aesKey: string, encrypted: string) {
  const key = Buffer.from(`${aesKey}=`, 'base64');
  const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  d.setAutoPadding(false);
  const plain = Buffer.concat([d.update(Buffer.from(encrypted, 'base64')), d.final()]);
  const pad = plain.at(-1) as number;
  const len = plain.readUInt32BE(16);
  return { pad, total: plain.length, message: plain.subarray(20, 20 + len).toString('utf8'), id: plain.subarray(20 + len, plain.length - pad).toString('utf8') };
}

describe('WeChat signatures', () => {
  it('reproduces the Official Account sample msg_signature', () => {
    expect(wechatSignature(MP.token, MP.timestamp, MP.nonce, MP.encrypt)).toBe(MP.msgSignature);
  });

  it('reproduces the WeCom sample signatures for a message and for URL verification', () => {
    expect(wechatSignature(WECOM.token, WECOM.message.timestamp, WECOM.message.nonce, WECOM.message.encrypt)).toBe(WECOM.message.msgSignature);
    expect(wechatSignature(WECOM.token, WECOM.echo.timestamp, WECOM.echo.nonce, WECOM.echo.echostr)).toBe(WECOM.echo.msgSignature);
  });

  it('sorts the parts as strings, whatever order they are given in', () => {
    const parts = ['token', '1409735669', '1320562132'];
    const reference = createHash('sha1').update('13205621321409735669token').digest('hex');
    expect(wechatSignature(...parts)).toBe(reference);
    expect(wechatSignature(...[...parts].reverse())).toBe(reference);
  });

  it('compares signatures exactly, refusing missing, short and altered ones', () => {
    const s = wechatSignature('a', 'b', 'c');
    expect(signatureMatches(s, s)).toBe(true);
    expect(signatureMatches(s, s.toUpperCase())).toBe(true);
    expect(signatureMatches(s, undefined)).toBe(false);
    expect(signatureMatches(s, s.slice(1))).toBe(false);
    expect(signatureMatches(s, `${s.slice(0, -1)}${s.endsWith('0') ? '1' : '0'}`)).toBe(false);
  });
});

describe('the safe-mode cipher', () => {
  it('decrypts the Official Account sample to its published plaintext and app id', () => {
    expect(new WechatCipher(MP.aesKey, MP.appId).decrypt(MP.encrypt)).toBe(MP.plaintext);
    expect(referenceDecrypt(MP.aesKey, MP.encrypt)).toMatchObject({ message: MP.plaintext, id: MP.appId });
  });

  it('decrypts the WeCom samples (message and echostr)', () => {
    const c = new WechatCipher(WECOM.aesKey, WECOM.corpId);
    const message = c.decrypt(WECOM.message.encrypt);
    expect(message).toContain('<Content><![CDATA[hello]]></Content>');
    expect(message).toContain('<MsgId>4561255354251345929</MsgId>');
    expect(c.decrypt(WECOM.echo.echostr)).toBe('1616140317555161061');
  });

  it('encrypts to the Java sample ciphertext given its fixed random string', () => {
    const c = new WechatCipher(JAVA.aesKey, JAVA.appId);
    expect(c.encrypt(JAVA.replyMsg, Buffer.from(JAVA.random))).toBe(JAVA.afterAesEncrypt);
    expect(c.decrypt(JAVA.afterAesEncrypt)).toBe(JAVA.replyMsg);
  });

  it('round-trips messages of every length around the 32-byte padding block, Chinese included', () => {
    const c = new WechatCipher(MP.aesKey, MP.appId);
    const pads = new Set<number>();
    for (let n = 0; n <= 70; n += 1) {
      const msg = '电子钥匙abc'.repeat(10).slice(0, n);
      const sealed = c.encrypt(msg);
      expect(c.decrypt(sealed)).toBe(msg);
      const ref = referenceDecrypt(MP.aesKey, sealed);
      expect(ref.message).toBe(msg);
      expect(ref.id).toBe(MP.appId);
      expect(ref.total % 32).toBe(0);
      pads.add(ref.pad);
    }
    // A whole block of padding (32) is added when the plaintext already fills its blocks.
    expect(Math.max(...pads)).toBe(32);
    expect(Math.min(...pads)).toBeGreaterThanOrEqual(1);
  });

  it('uses fresh random bytes for every message', () => {
    const c = new WechatCipher(MP.aesKey, MP.appId);
    expect(c.encrypt('same')).not.toBe(c.encrypt('same'));
  });

  it('refuses a message sealed for another app id', () => {
    const sealed = new WechatCipher(MP.aesKey, 'wx-other-app').encrypt('<xml/>');
    expect(() => new WechatCipher(MP.aesKey, MP.appId).decrypt(sealed)).toThrow(CipherError);
  });

  it('refuses garbage, truncation and a wrong key with a CipherError', () => {
    const c = new WechatCipher(MP.aesKey, MP.appId);
    expect(() => c.decrypt('not base64!')).toThrow(CipherError);
    expect(() => c.decrypt('')).toThrow(CipherError);
    expect(() => c.decrypt(MP.encrypt.slice(0, 40))).toThrow(CipherError);
    expect(() => new WechatCipher(WECOM.aesKey, MP.appId).decrypt(MP.encrypt)).toThrow(CipherError);
  });

  it('refuses an EncodingAESKey of the wrong length', () => {
    expect(() => new WechatCipher('short', 'wx')).toThrow(CipherError);
  });
});
