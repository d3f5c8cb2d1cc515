import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type AppOptions } from '../src/app.js';
import { WechatCipher } from '../src/channels/wechat/cipher.js';
import { createWechatChannel, type WechatChannelOptions } from '../src/channels/wechat/routes.js';
import { wechatSignature } from '../src/channels/wechat/signature.js';
import { parseWechatXml, type WechatFields } from '../src/channels/wechat/xml.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';

/** A stand-in for WeChat's servers in tests: signs, seals and pushes XML to the real channel over HTTP. */

export const API_BASE = 'https://wechat-api.test';
export const TOKEN = 'ekeyTestToken';
export const APPID = 'wx0123456789abcdef';
export const SECRET = 'test-app-secret-0001';
export const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
export const ACCOUNT = 'gh_ekey_account';

export type Mode = 'plain' | 'compatible' | 'safe';

export interface RunningWechat {
  app: App;
  url: string;
  dataDir: string;
  channel: ReturnType<typeof createWechatChannel>;
  close(): Promise<void>;
}

export async function startWechat(env: Record<string, string> = {}, options: WechatChannelOptions = {}, appOptions: AppOptions = {}): Promise<RunningWechat> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ekey-wechat-'));
  const config = loadConfig({
    EKEY_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    EKEY_RATE_LIMIT_RPS: '0',
    WECHAT_TOKEN: TOKEN,
    WECHAT_APPID: APPID,
    WECHAT_APPSECRET: SECRET,
    WECHAT_ENCODING_AES_KEY: AES_KEY,
    WECHAT_API_BASE: API_BASE,
    // Most tests push in every mode to one server; the default (safe with a key) has its own tests.
    WECHAT_MODE: env.WECHAT_ENCODING_AES_KEY === '' ? '' : 'compatible',
    ...env,
  });
  const channel = createWechatChannel({ followUpDelayMs: 0, retryDelaysMs: [10, 10], apiTimeoutMs: 300, ...options });
  const app = await createApp(config, { logger: createLogger('silent'), ...appOptions, channels: [channel] });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    channel,
    async close() {
      await channel.settled();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let sequence = 6_054_768_590_064_713_000n;
const now = () => String(Math.floor(Date.now() / 1000));

export function textXml(openid: string, content: string, msgId = String((sequence += 1n))): string {
  return `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName><CreateTime>${now()}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`;
}

export function eventXml(openid: string, event: string, extra = '', createTime = now()): string {
  return `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${event}]]></Event>${extra}</xml>`;
}

export function mediaXml(openid: string, type: string, extra = ''): string {
  return `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName><CreateTime>${now()}</CreateTime><MsgType><![CDATA[${type}]]></MsgType><MediaId><![CDATA[media-1]]></MediaId>${extra}<MsgId>${(sequence += 1n)}</MsgId></xml>`;
}

export function signedQuery(mode: Mode, encrypt?: string, token = TOKEN): URLSearchParams {
  const timestamp = now();
  const nonce = String(Math.floor(Math.random() * 1e9));
  const q = new URLSearchParams({ signature: wechatSignature(token, timestamp, nonce), timestamp, nonce, openid: 'o-in-query' });
  if (mode !== 'plain') {
    q.set('encrypt_type', 'aes');
    q.set('msg_signature', wechatSignature(token, timestamp, nonce, encrypt ?? ''));
  }
  return q;
}

export interface Pushed {
  status: number;
  body: string;
  /** The reply's fields, opened and checked in safe mode. */
  reply?: WechatFields;
}

/** Pushes a message as WeChat would in the given mode and reads the passive reply. */
export async function push(w: RunningWechat, xml: string, mode: Mode = 'plain', appId = APPID): Promise<Pushed> {
  const cipher = new WechatCipher(AES_KEY, appId);
  let body = xml;
  let q: URLSearchParams;
  if (mode === 'plain') q = signedQuery('plain');
  else {
    const encrypt = cipher.encrypt(xml);
    q = signedQuery(mode, encrypt);
    body =
      mode === 'safe'
        ? `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`
        : xml.replace('</xml>', `<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`);
  }
  return send(w, q, body, mode);
}

export async function send(w: RunningWechat, q: URLSearchParams, body: string, mode: Mode = 'plain'): Promise<Pushed> {
  const res = await fetch(`${w.url}/api/wechat?${q}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
  const text = await res.text();
  const out: Pushed = { status: res.status, body: text };
  if (res.status !== 200 || text === 'success' || text === '') return out;
  const outer = parseWechatXml(text);
  if (mode === 'plain') out.reply = outer;
  else {
    const expected = wechatSignature(TOKEN, outer.TimeStamp ?? '', outer.Nonce ?? '', outer.Encrypt ?? '');
    if (outer.MsgSignature !== expected) throw new Error('reply signature does not verify');
    out.reply = parseWechatXml(new WechatCipher(AES_KEY, APPID).decrypt(outer.Encrypt ?? ''));
  }
  return out;
}
