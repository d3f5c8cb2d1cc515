import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/app.js';
import { botFrameworkChannel } from '../src/channels/botframework/index.js';
import { createWechatChannel } from '../src/channels/wechat/routes.js';
import { loadConfig } from '../src/config.js';
import { MemoryConversationStore } from '../src/conversation/state-store.js';
import { createLogger } from '../src/logger.js';
import type { BotActivity } from '../src/render/activity.js';
import { texts } from './messages-client.js';
import { AES_KEY, API_BASE, APPID, push, SECRET, TOKEN, textXml } from './wechat-client.js';

/**
 * Channel spoofing (second security review, item 4): an activity posted to /api/messages that names another
 * channel ("channelId": "wechat") and a WeChat user's openid must not reach that user's conversation.
 */
const OPENID = 'o-spoofed-user-0001';

describe('a Bot Framework activity that claims to come from WeChat', () => {
  let app: App;
  let url: string;
  let dataDir: string;
  const wechat = createWechatChannel({ followUpDelayMs: 0 });
  const store = new MemoryConversationStore();
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ekey-spoof-'));
    const config = loadConfig({
      EKEY_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      EKEY_RATE_LIMIT_RPS: '0',
      WECHAT_TOKEN: TOKEN,
      WECHAT_APPID: APPID,
      WECHAT_APPSECRET: SECRET,
      WECHAT_ENCODING_AES_KEY: AES_KEY,
      WECHAT_MODE: 'compatible',
      WECHAT_API_BASE: API_BASE,
    });
    app = await createApp(config, { logger: createLogger('silent'), channels: [botFrameworkChannel, wechat], store });
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await wechat.settled();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const forged = async (text: string) => {
    const res = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        channelId: 'wechat',
        serviceUrl: 'http://127.0.0.1:9',
        conversation: { id: OPENID },
        from: { id: OPENID },
        recipient: { id: 'bot' },
        deliveryMode: 'expectReplies',
        text,
      }),
    });
    return { status: res.status, activities: ((await res.json()) as { activities: BotActivity[] }).activities };
  };

  it('neither reads nor changes the WeChat user’s conversation', async () => {
    const w = { app, url, dataDir, channel: wechat, close: async () => undefined };
    // The WeChat user is half-way: a lost key, the enterprise type still to be said.
    await push(w, textXml(OPENID, '钥匙丢了'));
    const before = await store.get(`wechat:${OPENID}`);
    expect(before?.answers).toMatchObject({ need: 'replace' });

    const said = await forged('外资');
    expect(said.status).toBe(200);
    // A new conversation of its own: greeted, and asked the first question again, not the WeChat user's next.
    expect(texts(said).join('\n')).toContain(app.ctx.conversation.t('zh-CN')('ui:greeting'));
    const after = await store.get(`wechat:${OPENID}`);
    expect(after).toEqual(before);
    expect(after?.answers.enterpriseType).toBeUndefined();
  });
});
