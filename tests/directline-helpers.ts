import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, type ChannelRegistrar, createApp } from '../src/app.js';
import { directLineChannel, type DirectLineOptions } from '../src/channels/directline/index.js';
import { ConfigSchema } from '../src/config.js';

export interface RunningServer {
  app: App;
  url: string;
  /** The server's clock: tokens and idle conversations are timed by it. */
  clock: { now: number };
  close(): Promise<void>;
}

/** The real service with the local Direct Line on an ephemeral port of 127.0.0.1 and a fresh data directory. */
export async function startServer(
  env: Record<string, string> = {},
  options: DirectLineOptions = {},
  more: (clock: { now: number }) => ChannelRegistrar[] = () => [],
): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ekey-dl-'));
  const clock = { now: Date.now() };
  const config = ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', EKEY_DATA_DIR: dataDir, EKEY_RATE_LIMIT_RPS: '0', ...env });
  const app = await createApp(config, { channels: [directLineChannel({ now: () => clock.now, ...options }), ...more(clock)] });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    clock,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// The official client is written for browsers: its HTTP goes through rxjs 5's XMLHttpRequest ajax.
// In Node the same client runs with this fetch-based ajax in its place (everything else is the client's own).
const requireFromClient = createRequire(createRequire(import.meta.url).resolve('botframework-directlinejs'));
const { Observable } = requireFromClient('rxjs/Observable') as { Observable: { create(f: (s: Subscriber) => () => void): unknown } };

interface Subscriber {
  next(v: unknown): void;
  error(e: unknown): void;
  complete(): void;
}

interface AjaxRequest {
  method?: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeout?: number;
}

export function fetchAjax(request: AjaxRequest): unknown {
  return Observable.create((subscriber) => {
    const abort = new AbortController();
    const timer = request.timeout ? setTimeout(() => abort.abort(), request.timeout) : undefined;
    const body = request.body === undefined ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    fetch(request.url, { method: request.method ?? 'GET', headers: request.headers, body, signal: abort.signal })
      .then(async (res) => {
        const text = await res.text();
        let response: unknown = null;
        try {
          response = text ? JSON.parse(text) : null;
        } catch {
          response = text;
        }
        const xhr = { getResponseHeader: (name: string) => res.headers.get(name) };
        if (res.status >= 200 && res.status < 300) {
          subscriber.next({ status: res.status, response, xhr });
          subscriber.complete();
        } else subscriber.error({ status: res.status, response, xhr, message: `ajax error ${res.status}` });
      })
      .catch((err: Error) => subscriber.error({ status: 0, response: null, xhr: { getResponseHeader: () => null }, message: err.message }))
      .finally(() => clearTimeout(timer));
    return () => abort.abort();
  });
}

/** Options that make the official client work in Node: polling, fetch instead of XMLHttpRequest, no WebSocket. */
export function clientServices() {
  return { webSocket: false, pollingInterval: 200, ajax: fetchAjax, WebSocket: class {} } as Record<string, unknown>;
}

export async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

export async function newToken(url: string, body?: unknown): Promise<{ conversationId: string; token: string; expires_in: number }> {
  const res = await fetch(`${url}/v3/directline/tokens/generate`, {
    method: 'POST',
    ...(body ? { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  if (res.status !== 200) throw new Error(`tokens/generate answered ${res.status}`);
  return (await res.json()) as { conversationId: string; token: string; expires_in: number };
}

export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
