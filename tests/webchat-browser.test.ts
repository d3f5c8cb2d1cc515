import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
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

/** Debian's chromium, as .ci/run installs it; never a browser downloaded by a test tool. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const REFERENCE = /EK-\d{8}-[23456789A-HJ-NP-Z]{6}/;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** End to end: the page of a fresh service in a real browser, the official Web Chat on the local Direct Line. */
describe('the website widget in Chromium', () => {
  let app: App;
  let url: string;
  let host: Server;
  let hostUrl: string;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`);
    mkdirSync(ARTIFACTS, { recursive: true });
    // A second origin, as the bureau's real site would be, that embeds the widget with embed.js.
    host = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(
        `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>host</title></head><body><h1>Host site</h1><script src="${url}/embed.js" data-lang="zh-CN" async></script></body></html>`,
      );
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    dataDir = mkdtempSync(join(tmpdir(), 'ekey-web-'));
    // Started as `npm start` starts it: no EKEY_PUBLIC_URL, so the links resolve against the address the page was loaded from.
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const config = ConfigSchema.parse({
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      EKEY_DATA_DIR: dataDir,
      EKEY_RATE_LIMIT_RPS: '0',
      EKEY_WIDGET_ORIGINS: hostUrl,
    });
    app = await createApp(config, { channels: defaultChannels });
    await new Promise<void>((resolve) => app.server.listen(port, '127.0.0.1', resolve));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, locale: 'zh-CN' });
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await new Promise<void>((resolve) => (host ? host.close(() => resolve()) : resolve()));
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const transcript = () => page.locator('.webchat__basic-transcript');
  const sendBox = () => page.locator('[data-id="webchat-sendbox-input"]');
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `webchat-${name}.png`), fullPage: true });

  it('opens on the greeting and the first question, in Chinese, with a content security policy it keeps', async () => {
    const res = await page.goto(url);
    const csp = res?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("'unsafe-inline'");
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    await expect.poll(() => transcript().innerText(), { timeout: 20_000 }).toContain('您需要办理哪项电子钥匙业务');
    expect(await transcript().innerText()).toContain('您好！我是电子钥匙办事助手');
    // Large readable text.
    expect(parseFloat(await page.evaluate(() => getComputedStyle(document.body).fontSize))).toBeGreaterThanOrEqual(18);
    await shot('1-start');
  });

  it('is usable from the keyboard: the first Tab reaches the skip link, which leads to the assistant', async () => {
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => location.hash)).toBe('#chat');
  });

  it('answers by clicking a card button and a suggested action', async () => {
    await page.locator('.ac-pushButton', { hasText: '补办（原有电子钥匙丢失或损坏）' }).click();
    const lost = page.locator('.webchat__suggested-action', { hasText: '丢失' });
    await lost.waitFor({ timeout: 15_000 });
    await shot('2-suggested-actions');
    await lost.click();
    await expect.poll(() => transcript().innerText(), { timeout: 15_000 }).toContain('贵企业是内资企业还是外资企业');
  });

  it('does not send while an input method is composing, then sends typed Chinese with Enter', async () => {
    const box = sendBox();
    await box.click();
    await box.fill('我们是内资企业');
    // Enter that confirms an IME candidate: keydown with isComposing, inside a composition.
    await box.dispatchEvent('compositionstart', { data: '' });
    await box.dispatchEvent('keydown', { key: 'Enter', code: 'Enter', keyCode: 229, isComposing: true, bubbles: true });
    await box.dispatchEvent('keypress', { key: 'Enter', code: 'Enter', keyCode: 13, isComposing: true, bubbles: true });
    await box.dispatchEvent('compositionend', { data: '我们是内资企业' });
    await page.waitForTimeout(300);
    expect(await box.inputValue()).toBe('我们是内资企业');
    expect(await transcript().innerText()).not.toContain('我们是内资企业');
    await page.waitForTimeout(100);
    await box.press('Enter');
    await expect.poll(() => box.inputValue()).toBe('');
    await expect.poll(() => transcript().innerText(), { timeout: 15_000 }).toContain('需要准备的材料');
  });

  it('reaches the outcome card with its materials checklist, the case reference and the flowchart link', async () => {
    const text = await transcript().innerText();
    expect(text).toContain('进出口企业电子钥匙与电子认证证书申请表');
    expect(text).toContain('对外贸易经营者备案登记表复印件');
    expect(text).toMatch(REFERENCE);
    expect(await page.locator('.ac-adaptiveCard input[type="checkbox"]').count()).toBeGreaterThanOrEqual(3);
    // Nothing is left waiting or marked as failed to send.
    await expect.poll(() => page.locator('.webchat__activity-status--sending').count()).toBe(0);
    expect(text).not.toContain('发送失败');
    const [chart] = await Promise.all([page.waitForEvent('popup'), page.locator('.ac-adaptiveCard .ac-pushButton', { hasText: '流程图' }).last().click()]);
    await chart.waitForLoadState('domcontentloaded');
    expect(chart.url()).toBe(`${url}/flowcharts/replacement.html`);
    const svg = await fetch(chart.url());
    expect(svg.status).toBe(200);
    expect(await svg.text()).toContain('补办电子钥匙');
    await chart.close();
    await page.locator('.ac-adaptiveCard').last().scrollIntoViewIfNeeded();
    await shot('3-outcome');
  });

  it('links the printable checklist of the case, which opens with the materials', async () => {
    const [opened] = await Promise.all([page.waitForEvent('popup'), page.locator('.ac-adaptiveCard .ac-pushButton', { hasText: '打开材料清单' }).last().click()]);
    await opened.waitForLoadState('domcontentloaded');
    const href = opened.url();
    await opened.close();
    expect(href).toMatch(new RegExp(`^${url}/cases/${REFERENCE.source}/checklist\\?key=[A-Za-z0-9_-]{22}$`));
    const checklist = await browser.newPage({ viewport: { width: 900, height: 1200 } });
    await checklist.goto(href);
    expect(await checklist.locator('body').innerText()).toContain('进出口企业电子钥匙与电子认证证书申请表');
    await checklist.emulateMedia({ media: 'print' });
    await checklist.screenshot({ path: join(ARTIFACTS, 'webchat-3b-checklist-print.png'), fullPage: true });
    await checklist.close();
  });

  it('switches to English and keeps the conversation', async () => {
    const before = (await transcript().innerText()).match(REFERENCE)?.[0];
    await page.locator('#lang-switch').click();
    await page.waitForURL(/lang=en/);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await expect.poll(() => transcript().innerText(), { timeout: 20_000 }).toContain('Switched to English');
    const text = await transcript().innerText();
    expect(text).toContain(before as string);
    expect(text).toContain('需要准备的材料');
    expect(await sendBox().getAttribute('placeholder')).toBe('Type your question and press Enter');
    await shot('4-english');
  });

  it('finds the conversation still there after a reload, and goes on in it', async () => {
    const greetings = (t: string) => t.match(/您好！我是电子钥匙办事助手/g)?.length ?? 0;
    const beforeText = await transcript().innerText();
    const reference = beforeText.match(REFERENCE)?.[0];
    await page.reload();
    await expect.poll(() => transcript().innerText(), { timeout: 20_000 }).toContain('Switched to English');
    const text = await transcript().innerText();
    expect(text).toContain(reference as string);
    // The transcript is replayed once: the greeting appears as often as before (screen-reader text included).
    expect(greetings(text)).toBe(greetings(beforeText));
    await sendBox().fill('revoke my certificate');
    await sendBox().press('Enter');
    await expect.poll(() => transcript().innerText(), { timeout: 15_000 }).toContain('Digital certificate revocation');
    await expect.poll(() => page.locator('.webchat__activity-status--sending').count()).toBe(0);
    expect(await transcript().innerText()).not.toContain('Send failed');
    await shot('5-reloaded');
  });

  it('raised no console error and no content security policy violation', () => {
    expect(problems).toEqual([]);
  });

  it('embeds on another site with embed.js: a button that opens the assistant', async () => {
    const hostPage = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const hostProblems: string[] = [];
    hostPage.on('console', (m) => m.type() === 'error' && hostProblems.push(m.text()));
    await hostPage.goto(hostUrl);
    const open = hostPage.locator('button[aria-expanded]');
    expect(await open.innerText()).toBe('电子钥匙办事助手');
    await open.click();
    expect(await open.getAttribute('aria-expanded')).toBe('true');
    const frame = hostPage.frameLocator('iframe[title="电子钥匙办事助手"]');
    await expect.poll(() => frame.locator('.webchat__basic-transcript').innerText(), { timeout: 20_000 }).toContain('您需要办理哪项电子钥匙业务');
    await hostPage.screenshot({ path: join(ARTIFACTS, 'webchat-6-embedded.png') });
    expect(hostProblems).toEqual([]);
    await hostPage.close();
  });
}, 120_000);
