import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webPage } from '../src/channels/web/index.js';
import { checkTemplate } from '../src/channels/web/page.js';
import { type RunningServer, startServer } from './directline-helpers.js';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');

/** The page and its assets as served, without a browser (the browser test drives them). */
describe('the widget page', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ EKEY_WIDGET_ORIGINS: 'https://www.example.gov.cn' }, {}, () => [webPage]);
  });
  afterAll(async () => {
    await server.close();
  });

  it('fills every text in both languages, with a fresh nonce and a CSP per request', async () => {
    const template = readFileSync('web/index.html', 'utf8');
    expect(checkTemplate(template)).toEqual([]);
    const nonces = new Set<string>();
    for (const [query, lang, other] of [
      ['', 'zh-CN', 'English'],
      ['?lang=en', 'en', '中文'],
      ['?lang=en&embed=1', 'en', '中文'],
    ] as const) {
      const res = await fetch(`${server.url}/${query}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain(`<html lang="${lang}">`);
      expect(html).toContain(`>${other}</a>`);
      // A missing text would show as its key, a missing value as its placeholder.
      expect(html).not.toMatch(/\{\{|\bweb\.[a-zA-Z]+|\bui:/);
      const csp = res.headers.get('content-security-policy') as string;
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1] as string;
      expect(html).toContain(`"nonce":"${nonce}"`);
      nonces.add(nonce);
      expect(csp).toContain("frame-ancestors 'self' https://www.example.gov.cn");
      expect(csp).toContain("default-src 'none'");
      expect(res.headers.get('cache-control')).toBe('no-store');
      if (query.includes('embed')) expect(html).toContain('<body class="embed">');
    }
    expect(nonces.size).toBe(3);
  });

  it('lists the flowchart of every procedure', async () => {
    const html = await (await fetch(`${server.url}/?lang=en`)).text();
    for (const id of ['first-online', 'first-offline', 'replacement', 'additional', 'update-onsite', 'update-online', 'unlock', 'add-code-domestic', 'add-code-foreign', 'revoke'])
      expect(html).toContain(`href="/flowcharts/${id}.svg?lang=en"`);
  });

  it('serves the Web Chat bundle from the installed package, compressed and cacheable, and embed.js with its labels', async () => {
    const res = await fetch(`${server.url}/web/webchat.js`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('etag')).toBeTruthy();
    // fetch undoes the gzip itself; the header says it was sent compressed.
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync('node_modules/botframework-webchat/dist/webchat.js'))).toBe(true);
    const again = await fetch(`${server.url}/web/webchat.js`, { headers: { 'If-None-Match': res.headers.get('etag') as string } });
    expect(again.status).toBe(304);
    const embed = await (await fetch(`${server.url}/embed.js`)).text();
    expect(embed).toContain('"open":"电子钥匙办事助手"');
    expect(embed).toContain('"open":"E-key assistant"');
    expect(embed).not.toContain('__EKEY_LABELS__');
    // The display choices' script, which <head> loads before the page is drawn.
    const display = await fetch(`${server.url}/web/display.js`);
    expect(display.status).toBe(200);
    expect(await display.text()).toContain('localStorage.getItem(KEY)');
    const missing = await fetch(`${server.url}/web/..%2Fpackage.json`);
    expect(missing.status).toBe(404);
  });
});
