import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import type { Browser, Page } from 'playwright-core';
import type { App } from '../src/app.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enumeratePaths, type Path } from '../src/consult/enumerate.js';
import { CHROMIUM, launchChromium, listeningApp, overflowing } from './browser-helpers.js';
import { conversation } from './helpers.js';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'outcomes');
const c = conversation();
const t = c.t('zh-CN');

/** One path to each procedure, and one to the guide that reads the certificate's "O=*****" entry. */
async function samplePaths(): Promise<{ name: string; path: Path }[]> {
  const paths = await enumeratePaths(c.consultation);
  const chosen = new Map<string, Path>();
  for (const p of paths) for (const pr of p.outcome.procedures) if (!chosen.has(pr.id)) chosen.set(pr.id, p);
  const guide = paths.find((p) => p.outcome.guide);
  if (guide) chosen.set(`guide-${guide.outcome.guide?.id ?? ''}`, guide);
  return [...chosen].map(([name, path]) => ({ name, path }));
}

describe.each([
  ['desktop', 1280, 800],
  ['phone', 390, 844],
] as const)('every outcome in Web Chat on a %s (%ix%i), started without EKEY_PUBLIC_URL', (label, width, height) => {
  let app: App;
  let url: string;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium or set CHROMIUM_PATH`);
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'ekey-outcomes-'));
    ({ app, url } = await listeningApp(dataDir));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width, height }, locale: 'zh-CN', ...(label === 'phone' ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}) });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(url);
    await page.locator('.webchat__basic-transcript', { hasText: t('questions:need.prompt') }).waitFor({ timeout: 30_000 });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const activities = () => page.locator('.webchat__basic-transcript__activity').count();

  /** Types a line and waits for the answer to it (the echo and at least one reply), until nothing more arrives. */
  async function say(text: string): Promise<void> {
    const before = await activities();
    const box = page.locator('[data-id="webchat-sendbox-input"]');
    await box.fill(text);
    await box.press('Enter');
    await expect.poll(activities, { timeout: 20_000 }).toBeGreaterThanOrEqual(before + 2);
    let n = -1;
    while (n !== (n = await activities())) await page.waitForTimeout(1_300);
  }

  it('has the controls bar by the send box and nothing past the right edge at the start', async () => {
    for (const key of ['ui:controls.back', 'ui:controls.restart', 'ui:controls.human'])
      await expect.poll(() => page.locator('#controls button', { hasText: t(key) }).isVisible()).toBe(true);
    const bar = await page.locator('#controls').boundingBox();
    expect((bar?.y ?? 1e9) + (bar?.height ?? 0)).toBeLessThanOrEqual(height + 400);
    expect(await overflowing(page)).toEqual([]);
  });

  it("shows each procedure's outcome once, within the screen, with checklist and flowchart links that open", async () => {
    const samples = await samplePaths();
    expect(samples.length).toBeGreaterThanOrEqual(10);
    for (const [i, { name, path }] of samples.entries()) {
      if (i > 0) await say(t('ui:controls.restart'));
      for (const q of path.asked) await say(t(`questions:${q}.options.${path.answers[q]}`));
      const summary = t(`outcomes:${path.outcome.rule}`);
      const card = page.locator('.ac-adaptiveCard', { hasText: summary }).last();
      await card.waitFor({ timeout: 20_000 });
      // Once: one card says it, and no text bubble repeats it.
      const cards = await page.locator('.ac-adaptiveCard').evaluateAll((els, s) => els.filter((e) => (e.textContent ?? '').includes(s)).length, summary);
      const before = samples.slice(0, i).filter((x) => x.path.outcome.rule === path.outcome.rule).length;
      expect(cards, name).toBe(before + 1);
      expect(await page.locator('.webchat__text-content', { hasText: summary }).count(), name).toBe(0);
      await card.scrollIntoViewIfNeeded();
      expect(await overflowing(page), `${label} ${name}`).toEqual([]);
      // The card uses the width of the chat.
      const chat = await page.locator('#chat').boundingBox();
      const box = await card.boundingBox();
      if (label === 'phone') expect((box?.width ?? 0) / (chat?.width ?? 1), name).toBeGreaterThan(0.85);
      await page.screenshot({ path: join(ARTIFACTS, `${label}-${String(i + 1).padStart(2, '0')}-${name}.png`) });

      const links = [t('ui:card.checklist'), t('ui:card.flowchart')];
      for (const title of links) {
        const button = card.locator('.ac-pushButton', { hasText: title }).first();
        if (title === t('ui:card.checklist') && path.outcome.procedures.every((p) => p.materials.length === 0)) continue;
        if (title === t('ui:card.flowchart') && path.outcome.procedures.length !== 1) continue;
        const [popup] = await Promise.all([page.waitForEvent('popup', { timeout: 10_000 }), button.click()]);
        await popup.waitForLoadState('domcontentloaded');
        const opened = popup.url();
        expect(opened.startsWith(url), `${name} ${title}: ${opened}`).toBe(true);
        const res = await fetch(opened);
        expect(res.status, `${name} ${title}`).toBe(200);
        await res.body?.cancel();
        await popup.close();
      }
      if (path.outcome.guide) expect(await card.innerText(), name).toContain('O=*****');
    }
  }, 600_000);

  it('answers English typed on the Chinese page in English, and the page follows and stays so after a reload', async () => {
    await say('I lost my key');
    await page.waitForURL(/lang=en/, { timeout: 20_000 });
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await expect.poll(() => page.locator('.webchat__basic-transcript').innerText(), { timeout: 20_000 }).toContain(c.t('en')('questions:enterpriseType.prompt'));
    await page.goto(url);
    await page.waitForURL(/lang=en/, { timeout: 20_000 });
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await overflowing(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, `${label}-english.png`) });
  }, 120_000);

  it('raised no page error', () => {
    expect(problems).toEqual([]);
  });
});
