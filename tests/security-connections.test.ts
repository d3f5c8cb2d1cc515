import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/app.js';
import { ConfigError, ConfigSchema, loadConfig } from '../src/config.js';
import { until } from './directline-helpers.js';
import { rawSocket } from './directline-stream-helpers.js';

/** The service with no channel at all (only /healthz, /metrics), and short limits so that the attacks are quick. */
async function start(env: Record<string, string>): Promise<{ app: App; url: string; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ekey-conn-'));
  const config = ConfigSchema.parse({ HOST: '127.0.0.1', LOG_LEVEL: 'silent', EKEY_DATA_DIR: dataDir, EKEY_RATE_LIMIT_RPS: '0', ...env });
  const app = await createApp(config, { channels: [] });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    app,
    url,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Attacks on the HTTP server's connections (issue 13, item 9): each must fail. */
describe('idle and slow connections (issue 13, item 9)', () => {
  let s: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    s = await start({ EKEY_HTTP_HEADERS_TIMEOUT_MS: '600', EKEY_HTTP_REQUEST_TIMEOUT_MS: '1200', EKEY_HTTP_KEEPALIVE_TIMEOUT_MS: '300', EKEY_HTTP_MAX_CONNECTIONS: '16' });
  });
  afterAll(async () => {
    await s.close();
  });

  it('cuts a slow-loris client that sends its headers a line at a time (408 within the headers timeout)', async () => {
    const loris = await Promise.all(Array.from({ length: 8 }, () => rawSocket(s.url, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n')));
    const drip = setInterval(() => {
      for (const l of loris) if (!l.socket.destroyed) l.socket.write(`X-Slow-${Date.now()}: 1\r\n`);
    }, 100);
    try {
      const after = await Promise.all(loris.map((l) => l.closedAfter));
      for (const [i, l] of loris.entries()) {
        expect(l.received(), `loris ${i}`).toMatch(/^HTTP\/1\.1 408 /);
        // 600 ms, checked every 150 ms: well under Node's default of a minute.
        expect(after[i]).toBeLessThan(1_500);
        expect(after[i]).toBeGreaterThanOrEqual(500);
      }
    } finally {
      clearInterval(drip);
    }
  });

  it('cuts a request whose body trickles in past the request timeout', async () => {
    const slow = await rawSocket(s.url, 'POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    const drip = setInterval(() => !slow.socket.destroyed && slow.socket.write(' '), 100);
    try {
      const after = await slow.closedAfter;
      expect(after).toBeLessThan(2_500);
      expect(after).toBeGreaterThanOrEqual(1_000);
    } finally {
      clearInterval(drip);
    }
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const client = await rawSocket(s.url, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await until('answer', () => /"status"/.test(client.received()) || undefined);
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(client.received().toLowerCase()).toContain('keep-alive');
    // 300 ms, plus the second Node adds to it (keepAliveTimeoutBuffer) so that a client's reuse does not race the close.
    const after = await client.closedAfter;
    expect(after).toBeGreaterThanOrEqual(300);
    expect(after).toBeLessThan(2_500);
  });

  it('refuses connections past the cap at once, and serves again when the idle ones are cut', async () => {
    const idle = await Promise.all(Array.from({ length: 16 }, () => rawSocket(s.url)));
    await new Promise((r) => setTimeout(r, 50));
    const beyond = await rawSocket(s.url, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    // Closed by the server without an answer, not left waiting.
    expect(await beyond.closedAfter).toBeLessThan(300);
    expect(beyond.received()).toBe('');
    // The idle sockets sent no request: the headers timeout ends them too.
    for (const i of idle) expect(await i.closedAfter).toBeLessThan(1_500);
    const res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('answers an upgrade request at once (404, closed), on a server with no stream at all', async () => {
    const raw = await rawSocket(
      s.url,
      'GET /v3/directline/conversations/x/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(await raw.closedAfter).toBeLessThan(500);
    expect(raw.received()).toMatch(/^HTTP\/1\.1 404 /);
  });
});

describe('HTTP server limits: configuration', () => {
  it('has sane defaults, applied to the server', async () => {
    const config = ConfigSchema.parse({});
    expect([config.EKEY_HTTP_HEADERS_TIMEOUT_MS, config.EKEY_HTTP_REQUEST_TIMEOUT_MS, config.EKEY_HTTP_KEEPALIVE_TIMEOUT_MS, config.EKEY_HTTP_MAX_CONNECTIONS]).toEqual([
      10_000, 30_000, 5_000, 4_096,
    ]);
    const s = await start({});
    try {
      const server = s.app.server.server;
      expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout, server.maxConnections]).toEqual([10_000, 30_000, 5_000, 4_096]);
    } finally {
      await s.close();
    }
  });

  it('refuses bad values at start-up, naming the variable', () => {
    for (const [name, value] of [
      ['EKEY_HTTP_HEADERS_TIMEOUT_MS', '0'],
      ['EKEY_HTTP_REQUEST_TIMEOUT_MS', 'soon'],
      ['EKEY_HTTP_KEEPALIVE_TIMEOUT_MS', '-1'],
      ['EKEY_HTTP_MAX_CONNECTIONS', '2.5'],
    ] as const)
      expect(() => loadConfig({ [name]: value }), name).toThrow(new RegExp(name));
    // The head is part of the request: a longer headers timeout could never apply.
    expect(() => loadConfig({ EKEY_HTTP_HEADERS_TIMEOUT_MS: '20000', EKEY_HTTP_REQUEST_TIMEOUT_MS: '10000' })).toThrow(ConfigError);
  });
});
