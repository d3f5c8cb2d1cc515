import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/app.js';
import { botFrameworkChannel } from '../src/channels/botframework/index.js';
import { directLineChannel } from '../src/channels/directline/index.js';
import { casesRoutes } from '../src/channels/http/cases-routes.js';
import { webPage } from '../src/channels/web/index.js';
import { loadConfig } from '../src/config.js';
import { flowchartRoutes } from '../src/channels/http/flowcharts-route.js';
import { createLogger } from '../src/logger.js';
import { say, texts } from './messages-client.js';
import { referencesIn } from './service-process.js';
import { checklistPathOf } from './cases-helpers.js';

/**
 * Security headers on every answer, a content security policy on every page, and cross-origin access
 * (CORS) only for the widget's endpoints and only for the origins in EKEY_WIDGET_ORIGINS.
 */
const LISTED = 'https://www.example.gov.cn';
const AGENT = 'security-headers-agent-token-0123456789';

interface Running {
  app: App;
  url: string;
  dataDir: string;
}

async function start(env: Record<string, string>): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ekey-headers-'));
  const config = loadConfig({ EKEY_DATA_DIR: dataDir, LOG_LEVEL: 'silent', EKEY_RATE_LIMIT_RPS: '0', EKEY_AGENT_TOKEN: AGENT, ...env });
  const app = await createApp(config, { logger: createLogger('silent'), channels: [botFrameworkChannel, casesRoutes, directLineChannel(), webPage, flowchartRoutes()] });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, dataDir };
}

async function stop(r: Running): Promise<void> {
  await r.app.close();
  rmSync(r.dataDir, { recursive: true, force: true });
}

/** A policy as a map of directive -> sources. */
function directives(csp: string | null): Map<string, string[]> {
  expect(csp, 'a Content-Security-Policy header').toBeTruthy();
  return new Map(
    (csp as string)
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name as string, sources]),
  );
}

/** What every page's policy must hold: nothing by default, no inline or evaluated script, no plugins, no base or form hijack, no framing by strangers. */
function checkStrictPolicy(csp: string | null, page: string): void {
  const d = directives(csp);
  expect(d.get('default-src'), page).toEqual(["'none'"]);
  const scripts = d.get('script-src') ?? d.get('default-src') ?? [];
  for (const bad of ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:', 'http:', 'https:']) expect(scripts, `${page} script-src`).not.toContain(bad);
  for (const [name, sources] of d) expect(sources, `${page} ${name}`).not.toContain('*');
  expect(d.get('base-uri'), page).toEqual(["'none'"]);
  expect(d.get('form-action'), page).toEqual(["'none'"]);
  expect(d.has('frame-ancestors'), page).toBe(true);
  expect(d.get('object-src') ?? d.get('default-src'), page).toEqual(["'none'"]);
}

describe('security headers and content security policies', () => {
  let r: Running;
  let ref: string;
  let checklist: string;
  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1/);
    r = await start({ EKEY_WIDGET_ORIGINS: LISTED });
    await say(r.url, 'headers', '钥匙丢了');
    ref = referencesIn(texts(await say(r.url, 'headers', '内资')))[0] as string;
    checklist = await checklistPathOf(r.app, ref);
  });
  afterAll(async () => {
    await stop(r);
    nock.enableNetConnect();
  });

  it('sends nosniff, no-referrer and no cross-domain policy on every answer, refusals and unknown routes included', async () => {
    const answers = [
      await fetch(`${r.url}/healthz`),
      await fetch(`${r.url}/metrics`),
      await fetch(`${r.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }),
      await fetch(`${r.url}/api/cases`),
      await fetch(`${r.url}/api/cases/${ref}`, { headers: { authorization: `Bearer ${AGENT}` } }),
      await fetch(`${r.url}${checklist}`),
      await fetch(`${r.url}/cases/nope/checklist`),
      await fetch(`${r.url}/`),
      await fetch(`${r.url}/no/such/route`),
      await fetch(`${r.url}/v3/directline/tokens/generate`, { method: 'POST' }),
    ];
    for (const res of answers) {
      expect(res.headers.get('x-content-type-options'), res.url).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), res.url).toBe('no-referrer');
      expect(res.headers.get('x-permitted-cross-domain-policies'), res.url).toBe('none');
      expect(res.headers.get('x-powered-by'), res.url).toBeNull();
      await res.body?.cancel();
    }
  });

  it('puts a strict policy on every HTML page: the checklist (found, not found, malformed) and the widget page', async () => {
    for (const path of [
      checklist,
      `${checklist}&lang=en`,
      `/cases/${ref}/checklist`,
      `/cases/${ref.slice(0, -1)}2/checklist`,
      '/cases/..%2F/checklist',
      '/',
      '/?lang=en',
      '/?embed=1',
    ]) {
      const res = await fetch(`${r.url}${path}`);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html; charset=utf-8/);
      checkStrictPolicy(res.headers.get('content-security-policy'), path);
      expect(res.headers.get('cache-control'), path).toContain('no-store');
      await res.body?.cancel();
    }
    // The checklist runs nothing and may be framed by nobody; the widget page only by the listed sites.
    const policy = directives((await fetch(`${r.url}${checklist}`)).headers.get('content-security-policy'));
    expect(policy.get('script-src') ?? policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    const page = directives((await fetch(`${r.url}/`)).headers.get('content-security-policy'));
    expect(page.get('frame-ancestors')).toEqual(["'self'", LISTED]);
  });

  it('serves a flowchart SVG, a document when opened on its own, under a policy that runs nothing', async () => {
    const res = await fetch(`${r.url}/flowcharts/replacement.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const d = directives(res.headers.get('content-security-policy'));
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.has('script-src')).toBe(false);
    expect(await res.text()).not.toMatch(/<script|\son[a-z]+\s*=/i);
  });
});

describe('CORS', () => {
  let listed: Running;
  let closed: Running;
  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1/);
    listed = await start({ EKEY_WIDGET_ORIGINS: `${LISTED}, https://partner.example.cn/` });
    closed = await start({});
  });
  afterAll(async () => {
    await stop(listed);
    await stop(closed);
    nock.enableNetConnect();
  });

  const generate = (r: Running, origin: string) => fetch(`${r.url}/v3/directline/tokens/generate`, { method: 'POST', headers: { origin } });

  it('allows the listed origins, one at a time and never with credentials, on the widget endpoints', async () => {
    for (const origin of [LISTED, 'https://partner.example.cn']) {
      const res = await generate(listed, origin);
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('vary')).toMatch(/Origin/);
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      await res.body?.cancel();
    }
    const token = await fetch(`${listed.url}/api/directline/token`, { method: 'POST', headers: { origin: LISTED } });
    expect(token.headers.get('access-control-allow-origin')).toBe(LISTED);
    await token.body?.cancel();
  });

  it('answers a preflight from a listed origin with the methods and headers the widget needs, and one from elsewhere without any', async () => {
    const preflight = (origin: string) =>
      fetch(`${listed.url}/v3/directline/conversations`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const ok = await preflight(LISTED);
    expect(ok.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(ok.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toMatch(/authorization/);
    const other = await preflight('https://evil.example.com');
    expect(other.status).toBeLessThan(500);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('refuses every other origin: strangers, look-alikes, null, other schemes and ports', async () => {
    for (const origin of [
      'https://evil.example.com',
      `${LISTED}.evil.example.com`,
      'https://example.gov.cn',
      'http://www.example.gov.cn',
      `${LISTED}:8443`,
      'null',
      `${LISTED}/`,
      'HTTPS://WWW.EXAMPLE.GOV.CN',
    ]) {
      const res = await generate(listed, origin);
      expect(res.headers.get('access-control-allow-origin'), origin).toBeNull();
      await res.body?.cancel();
    }
  });

  it('gives no cross-origin access outside the widget endpoints, even to a listed origin', async () => {
    for (const [method, path] of [
      ['POST', '/api/messages'],
      ['GET', '/api/cases'],
      ['GET', '/cases/EK-20261123-ABCDEF/checklist'],
      ['GET', '/healthz'],
      ['GET', '/metrics'],
      ['OPTIONS', '/api/cases'],
    ] as const) {
      const res = await fetch(`${listed.url}${path}`, { method, headers: { origin: LISTED, 'access-control-request-method': 'GET' } });
      expect(res.headers.get('access-control-allow-origin'), path).toBeNull();
      await res.body?.cancel();
    }
  });

  it('gives no cross-origin access at all without EKEY_WIDGET_ORIGINS', async () => {
    for (const origin of [LISTED, 'https://evil.example.com', 'null']) {
      const res = await generate(closed, origin);
      // Not even a conversation is opened for a page of another site (issue 13, item 15).
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin'), origin).toBeNull();
      await res.body?.cancel();
    }
    const page = directives((await fetch(`${closed.url}/`)).headers.get('content-security-policy'));
    expect(page.get('frame-ancestors')).toEqual(["'self'"]);
  });
});
