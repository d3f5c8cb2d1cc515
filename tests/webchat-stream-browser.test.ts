import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/app.js';
import { defaultChannels } from '../src/channels/index.js';
import { ConfigSchema } from '../src/config.js';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const REFERENCE = /EK-\d{8}-[23456789A-HJ-NP-Z]{6}/;

/**
 * Web Chat with its default settings (WebSocket) in Debian's chromium, against a service started as
 * `npm start` starts it (no EKEY_PUBLIC_URL): on the demo page, and on another site that copies
 * Microsoft's sample snippet (`createDirectLine({ token, domain })`, nothing else).
 */
describe('Web Chat with default settings (WebSocket) in Chromium', () => {
  let app: App;
  let url: string;
  let thirdParty: Server;
  let thirdPartyUrl: string;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`);
    mkdirSync(ARTIFACTS, { recursive: true });
    // Microsoft's sample, as a site would copy it: the token from this service by POST, then Web Chat's defaults.
    thirdParty = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>third party</title>
<style>html, body { height: 100% } body { margin: 0 } #webchat { height: 100% }</style></head>
<body><div id="webchat" role="main"></div>
<script src="${url}/web/webchat.js"></script>
<script>
  (async function () {
    const res = await fetch('${url}/api/directline/token', { method: 'POST' });
    const { token } = await res.json();
    window.WebChat.renderWebChat({ directLine: window.WebChat.createDirectLine({ token, domain: '${url}/v3/directline' }) }, document.getElementById('webchat'));
  })().catch((err) => console.error(err));
</script></body></html>`);
    });
    await new Promise<void>((resolve) => thirdParty.listen(0, '127.0.0.1', resolve));
    thirdPartyUrl = `http://127.0.0.1:${(thirdParty.address() as AddressInfo).port}`;
    dataDir = mkdtempSync(join(tmpdir(), 'ekey-ws-'));
    const config = ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', EKEY_DATA_DIR: dataDir, EKEY_RATE_LIMIT_RPS: '0', EKEY_WIDGET_ORIGINS: thirdPartyUrl });
    app = await createApp(config, { channels: defaultChannels });
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await new Promise<void>((resolve) => (thirdParty ? thirdParty.close(() => resolve()) : resolve()));
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** A page that records its WebSocket frames, its polls of /activities and its console errors. */
  async function watched(at: string) {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, locale: 'zh-CN' });
    const sockets: string[] = [];
    const frames: string[] = [];
    const polls: string[] = [];
    const problems: string[] = [];
    page.on('websocket', (ws) => {
      sockets.push(ws.url());
      ws.on('framereceived', (f) => frames.push(String(f.payload)));
    });
    page.on('request', (r) => {
      if (r.method() === 'GET' && /\/v3\/directline\/conversations\/[^/]+\/activities/.test(r.url())) polls.push(r.url());
    });
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(at);
    return { page, sockets, frames, polls, problems };
  }

  const transcript = (page: Page) => page.locator('.webchat__basic-transcript');

  /** A consultation by clicking: 补办, then 丢失, then 内资, to the outcome with its case reference. */
  async function consult(page: Page) {
    await expect.poll(() => transcript(page).innerText(), { timeout: 30_000 }).toContain('您需要办理哪项电子钥匙业务');
    await page.locator('.ac-pushButton', { hasText: '补办（原有电子钥匙丢失或损坏）' }).click();
    const lost = page.locator('.webchat__suggested-action', { hasText: '丢失' });
    await lost.waitFor({ timeout: 15_000 });
    await lost.click();
    const domestic = page.locator('.webchat__suggested-action', { hasText: '内资' });
    await domestic.waitFor({ timeout: 15_000 });
    await domestic.click();
    await expect.poll(() => transcript(page).innerText(), { timeout: 20_000 }).toMatch(REFERENCE);
    await expect.poll(() => page.locator('.webchat__activity-status--sending').count()).toBe(0);
    expect(await transcript(page).innerText()).not.toContain('发送失败');
  }

  it('completes a consultation on the demo page over the stream, with no upload button and no polling', async () => {
    const w = await watched(url);
    await consult(w.page);
    expect(w.sockets.length).toBeGreaterThanOrEqual(1);
    expect(w.sockets[0]).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/v3/directline/conversations/[^/]+/stream\\?t=`));
    // The activities came as activity sets on the stream.
    expect(w.frames.some((f) => f.includes('"activities"') && f.includes('"watermark"'))).toBe(true);
    expect(w.polls).toEqual([]);
    expect(await w.page.locator('.webchat__upload-button').count()).toBe(0);
    await w.page.screenshot({ path: join(ARTIFACTS, 'webchat-stream-demo.png'), fullPage: true });
    expect(w.problems).toEqual([]);
    await w.page.close();
  });

  it("completes a consultation on another site with Microsoft's sample snippet, and says why a file cannot be sent", async () => {
    const w = await watched(thirdPartyUrl);
    await consult(w.page);
    expect(w.sockets[0]).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v3\/directline\/conversations\/[^/]+\/stream\?t=/);
    expect(w.polls).toEqual([]);
    // The sample keeps Web Chat's upload button: a file sent is refused, and the chat says why.
    const notice = app.ctx.conversation.t('zh-CN')('ui:directline.uploadRefused');
    await w.page.locator('input[type="file"]').setInputFiles({ name: '营业执照.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 test') });
    // Web Chat's default (sendAttachmentOn: 'send'): the file waits in the send box until it is sent.
    await w.page.locator('.webchat__send-button').click();
    await expect.poll(() => transcript(w.page).innerText(), { timeout: 15_000 }).toContain(notice);
    await w.page.locator('.webchat__bubble__content', { hasText: notice }).last().scrollIntoViewIfNeeded();
    await w.page.waitForTimeout(300);
    await w.page.screenshot({ path: join(ARTIFACTS, 'webchat-stream-third-party.png'), fullPage: true });
    // The only errors are the refused upload's own: its 415, and Web Chat saying the post failed.
    expect(w.problems.filter((p) => !/415 \(Unsupported Media Type\)|Failed to post activity/.test(p))).toEqual([]);
    expect(w.problems.length).toBeGreaterThan(0);
    await w.page.close();
  });
}, 150_000);
