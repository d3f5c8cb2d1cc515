import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCaseStore } from '../src/cases/file-store.js';
import { say } from './messages-client.js';
import { referencesIn, type ServiceProcess, startService } from './service-process.js';

/**
 * SIGTERM: the service stops accepting connections at once, finishes the request in flight (here the
 * turn that opens a case, its body still arriving when the signal comes), writes out what it keeps in
 * memory, and exits 0 within 5 s.
 */
let dir: string;
let service: ServiceProcess | undefined;
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
  dir = mkdtempSync(join(tmpdir(), 'ekey-term-'));
});
afterAll(async () => {
  await service?.stop();
  rmSync(dir, { recursive: true, force: true });
  nock.enableNetConnect();
});

/** Whether a new TCP connection to the port is refused. */
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });

describe('SIGTERM', () => {
  it('stops accepting, finishes the request in flight, flushes and exits 0 within 5 s', async () => {
    service = await startService(dir);
    const s = service;
    await say(s.url, 'term-1', '钥匙丢了');
    // A message not understood goes to the content owners' insights, which are written a moment later.
    await say(s.url, 'term-2', '你好');
    await say(s.url, 'term-2', 'zzqx-before-the-signal');

    const body = Buffer.from(
      JSON.stringify({
        type: 'message',
        channelId: 'emulator',
        serviceUrl: 'http://127.0.0.1:9',
        conversation: { id: 'term-1' },
        from: { id: 'user-term-1' },
        recipient: { id: 'bot' },
        locale: 'zh-CN',
        deliveryMode: 'expectReplies',
        text: '内资',
      }),
    );
    const req = request({
      host: '127.0.0.1',
      port: s.port,
      path: '/api/messages',
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': body.length, connection: 'keep-alive' },
    });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
    });
    await new Promise<void>((r) => req.write(body.subarray(0, 40), () => r()));
    // The server must have the request before the signal; its handler then waits for the rest of the body.
    await new Promise((r) => setTimeout(r, 500));

    const signalled = performance.now();
    s.child.kill('SIGTERM');
    let stopped = false;
    for (let i = 0; i < 200 && !stopped; i += 1) {
      stopped = await refused(s.port);
      if (!stopped) await new Promise((r) => setTimeout(r, 10));
    }
    expect(stopped).toBe(true);
    expect(s.child.exitCode).toBeNull();

    req.end(body.subarray(40));
    const answered = await response;
    const end = await s.exited;
    const elapsedMs = performance.now() - signalled;

    expect(answered.status).toBe(200);
    const activities = (JSON.parse(answered.text) as { activities: { text?: string }[] }).activities;
    const [reference] = referencesIn(activities.map((a) => JSON.stringify(a)));
    expect(reference).toMatch(/^EK-/);
    expect(end).toEqual({ code: 0, signal: null });
    expect(elapsedMs).toBeLessThan(5_000);

    // Flushed: the case of the request in flight is on disk, and so are the insights kept in memory.
    const store = await FileCaseStore.open(dir);
    expect((await store.get(reference as string))?.reference).toBe(reference);
    await store.close();
    const insights = join(dir, 'insights.json');
    expect(existsSync(insights)).toBe(true);
    expect(readFileSync(insights, 'utf8')).toContain('zzqx-before-the-signal');
    await expect(say(s.url, 'term-3', '你好')).rejects.toThrow();
  }, 90_000);
});
