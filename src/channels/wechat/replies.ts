import { randomInt } from 'node:crypto';
import type { WechatCipher } from './cipher.js';
import { wechatSignature } from './signature.js';
import { cdata } from './xml.js';

const seconds = (now: number) => Math.floor(now / 1000);

/** A passive text reply: from the Official Account (the message's ToUserName) back to its sender. */
export function textReplyXml(to: string, from: string, content: string, now = Date.now()): string {
  return `<xml><ToUserName>${cdata(to)}</ToUserName><FromUserName>${cdata(from)}</FromUserName><CreateTime>${seconds(now)}</CreateTime><MsgType>${cdata('text')}</MsgType><Content>${cdata(content)}</Content></xml>`;
}

/** A reply sealed for safe mode, signed as WeChat checks it: msg_signature over token, timestamp, nonce, Encrypt. */
export function encryptedReplyXml(cipher: WechatCipher, token: string, replyXml: string, now = Date.now(), nonce = String(randomInt(1e9, 1e10))): string {
  const encrypt = cipher.encrypt(replyXml);
  const timestamp = String(seconds(now));
  const signature = wechatSignature(token, timestamp, nonce, encrypt);
  return `<xml><Encrypt>${cdata(encrypt)}</Encrypt><MsgSignature>${cdata(signature)}</MsgSignature><TimeStamp>${timestamp}</TimeStamp><Nonce>${cdata(nonce)}</Nonce></xml>`;
}
