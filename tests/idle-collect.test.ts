import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectWhenIdle } from '../src/observability/idle-collect.js';

/** A full collection (two in a row) once requests have come and then stopped; none while they come, none when idle. */
let server: Server;
let url: string;
beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
  server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  nock.enableNetConnect();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('collecting when idle', () => {
  it('collects once after a burst, not during it, and again after the next', async () => {
    let collections = 0;
    const idle = collectWhenIdle(server, { idleMs: 600, gc: () => (collections += 1) });
    try {
      await sleep(1_000);
      expect(collections).toBe(0);
      // Requests every 50 ms for a second: never 600 ms without one.
      for (let i = 0; i < 20; i++) {
        await (await fetch(url)).text();
        await sleep(50);
      }
      expect(collections).toBe(0);
      await sleep(1_500);
      expect(collections).toBe(2);
      await sleep(1_500);
      expect(collections).toBe(2);
      await (await fetch(url)).text();
      await sleep(1_500);
      expect(collections).toBe(4);
      expect(idle.runs).toBe(2);
    } finally {
      idle.stop();
    }
  });
});
