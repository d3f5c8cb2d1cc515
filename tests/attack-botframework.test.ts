import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { botFrameworkChannel } from '../src/channels/botframework/index.js';
import { ConfigSchema } from '../src/config.js';
import { activity } from './botframework-server.js';

/** An address of this machine that is not loopback: a request from it is a request from the network. */
function externalAddress(): string {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') return a.address;
  throw new Error('this machine has no non-loopback IPv4 address to send from');
}

async function start(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ekey-bf-open-'));
  const config = ConfigSchema.parse({ LOG_LEVEL: 'silent', EKEY_DATA_DIR: dataDir, EKEY_RATE_LIMIT_RPS: '0', ...env });
  const app = await createApp(config, { channels: [botFrameworkChannel] });
  await new Promise<void>((resolve) => app.server.listen(0, '0.0.0.0', resolve));
  const { port } = app.server.address() as AddressInfo;
  return {
    port,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const post = (host: string, port: number, over: Record<string, unknown> = {}) =>
  fetch(`http://${host}:${port}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity({ text: '钥匙丢了', ...over })) });

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|192\.|10\.|172\./);
});
afterAll(() => nock.enableNetConnect());

describe('open mode is for this machine only (item 14)', () => {
  it("without MicrosoftAppId refuses /api/messages from a non-loopback client, even one aiming at another channel's conversation", async () => {
    const s = await start({});
    try {
      const host = externalAddress();
      const remote = await post(host, s.port);
      expect(remote.status).toBe(403);
      expect(await remote.text()).toContain('EKEY_BOTFRAMEWORK_OPEN');
      // A scan of loopback ports by serviceUrl timing, or a WeChat user's conversation: refused before reading.
      expect((await post(host, s.port, { deliveryMode: 'normal', serviceUrl: 'http://127.0.0.1:22/' })).status).toBe(403);
      expect((await post(host, s.port, { channelId: 'wechat', from: { id: 'o-victim' } })).status).toBe(403);
      // The Emulator on the same machine still works.
      expect((await post('127.0.0.1', s.port)).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('EKEY_BOTFRAMEWORK_OPEN=any opens it, and the value is checked at start-up', async () => {
    expect(() => ConfigSchema.parse({ EKEY_BOTFRAMEWORK_OPEN: 'everyone' })).toThrow();
    const s = await start({ EKEY_BOTFRAMEWORK_OPEN: 'any' });
    try {
      expect((await post(externalAddress(), s.port)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
