import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import type { Browser, BrowserContextOptions, Locator, Page } from 'playwright-core';
import type { App } from '../src/app.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, CHROMIUM, launchChromium, listeningApp } from './browser-helpers.js';
import { conversation, knowledge } from './helpers.js';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'a11y-cards');
const t = conversation().t('zh-CN');
const VIEWPORTS = [
  ['desktop', 1280, 800],
  ['phone', 390, 844],
] as const;

/** Sideways scrolling: how far the page is wider than the window. */
const sideways = (page: Page) => page.evaluate(() => (document.scrollingElement?.scrollWidth ?? 0) - window.innerWidth);

/** The page's links that are smaller than 44x44 CSS px (WCAG 2.5.5), by their words. */
const smallTargets = (page: Page, selector: string) =>
  page.locator(selector).evaluateAll((els) =>
    els
      .map((el) => ({ text: el.textContent ?? '', r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.width < 44 || r.height < 44)
      .map(({ text, r }) => `${text} ${Math.round(r.width)}x${Math.round(r.height)}`),
  );

/** The focus ring of the element the keyboard is on: its outline's style and width in px. */
const focusRing = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    const style = el ? getComputedStyle(el) : undefined;
    return { tag: el?.tagName.toLowerCase(), outline: style?.outlineStyle, width: parseFloat(style?.outlineWidth ?? '0') };
  });

describe('the cards, the checklist and the flowchart page under axe-core (WCAG 2.1 A/AA) in Chromium', () => {
  let app: App;
  let url: string;
  let browser: Browser;
  let dataDir: string;
  /** The checklist and flowchart addresses the outcome card's buttons open. */
  const opened: { checklist?: string; flowchart?: string } = {};

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium or set CHROMIUM_PATH`);
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'ekey-a11y-'));
    ({ app, url } = await listeningApp(dataDir));
    browser = await launchChromium();
  }, 90_000);

  /** A page at the size of the viewport, touch and a dense screen on the phone. */
  const newPage = (label: string, width: number, height: number, extra: BrowserContextOptions = {}) =>
    browser.newPage({ viewport: { width, height }, ...extra, ...(label === 'phone' ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}) });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  describe.each([...VIEWPORTS.map((v) => [...v, 'zh-CN'] as const), ['desktop', 1280, 800, 'en'] as const])('the demo page on a %s (%ix%i) in %s', (size, width, height, lang) => {
    const t = conversation().t(lang);
    const label = `${size}-${lang}`;
    let page: Page;
    const problems: string[] = [];
    beforeAll(async () => {
      page = await newPage(size, width, height, { locale: lang });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    });
    afterAll(async () => {
      await page?.close();
    });

    const activities = () => page.locator('.webchat__basic-transcript__activity').count();
    /**
     * Presses a card's button from the keyboard, as a keyboard or screen-reader user does. A pointer click
     * waits for the button to hold still over two animation frames, and on a loaded CI machine the phone
     * page once drew none for 30 s with the button unmoved below the fold; the keyboard needs no frame.
     */
    async function press(button: Locator): Promise<void> {
      await button.focus();
      await page.keyboard.press('Enter');
    }
    /** Waits for the answer to what was just done, until nothing more arrives. */
    async function answered(before: number): Promise<void> {
      await expect.poll(activities, { timeout: 20_000 }).toBeGreaterThan(before);
      let n = -1;
      while (n !== (n = await activities())) await page.waitForTimeout(1_300);
    }

    it('has no violation with a question card shown', async () => {
      await page.goto(lang === 'en' ? `${url}/?lang=en` : url);
      expect(await page.getAttribute('html', 'lang')).toBe(lang);
      await page.locator('.ac-adaptiveCard .ac-pushButton', { hasText: t('questions:need.options.replace') }).waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(ARTIFACTS, `${label}-1-question.png`) });
      expect(await accessibilityProblems(page), `${label}, question`).toEqual([]);
    });

    it('has no violation with an outcome shown, its steps and notes opened, and every button says what it does', async () => {
      let before = await activities();
      await page.locator('.ac-pushButton', { hasText: t('questions:need.options.replace') }).click();
      await answered(before);
      before = await activities();
      await page.locator('.webchat__suggested-action', { hasText: t('questions:lossKind.options.lost') }).click();
      await answered(before);
      before = await activities();
      await page.locator('.webchat__suggested-action', { hasText: t('questions:enterpriseType.options.domestic') }).click();
      await answered(before);

      const card = page.locator('.ac-adaptiveCard', { hasText: t('ui:card.checklist') }).last();
      for (const [name, shown] of [
        [t('ui:card.showSteps'), t('ui:outcome.steps')],
        [t('ui:card.showMore'), t('ui:outcome.notes')],
      ] as const) {
        await press(card.getByRole('button', { name, exact: true }));
        await card.getByText(shown, { exact: true }).waitFor({ state: 'visible' });
      }
      expect(await accessibilityProblems(page), `${label}, outcome with its sections open`).toEqual([]);
      // The sections are headings a screen reader can move between, each at the level below the page's own.
      const headings = await card.locator('[role="heading"]').evaluateAll((els) => els.map((el) => [(el.textContent ?? '').trim(), el.getAttribute('aria-level')]));
      expect(headings.map(([text]) => text)).toEqual(expect.arrayContaining([t('ui:outcome.steps'), t('ui:outcome.notes')]));
      expect(new Set(headings.map(([, level]) => level))).toEqual(new Set(['3']));

      // A button is known by its name alone (a screen reader's list of buttons): no two alike, none a bare "修改".
      const names = await card.locator('.ac-pushButton').evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') ?? el.textContent ?? ''));
      expect(names).toEqual([...new Set(names)]);
      expect(names).toEqual(expect.arrayContaining([t('ui:card.checklist'), t('ui:card.flowchart'), t('ui:card.change', { label: t('questions:enterpriseType.label') })]));
      // The card is taller than the chat: its top, its buttons and its opened end, each as the reader sees it.
      for (const [part, at] of [
        ['a-top', card.locator('.ac-textBlock').first()],
        ['b-buttons', card.getByRole('button', { name: t('ui:card.checklist'), exact: true })],
        ['c-end', card.locator('.ac-textBlock').last()],
      ] as const) {
        await at.evaluate((el) => el.scrollIntoView({ block: 'nearest' }));
        await page.screenshot({ path: join(ARTIFACTS, `${label}-2${part}-outcome.png`) });
      }

      for (const [key, name] of [
        ['checklist', t('ui:card.checklist')],
        ['flowchart', t('ui:card.flowchart')],
      ] as const) {
        const [popup] = await Promise.all([page.waitForEvent('popup', { timeout: 10_000 }), press(card.getByRole('button', { name, exact: true }))]);
        await popup.waitForLoadState('domcontentloaded');
        if (lang === 'zh-CN') opened[key] = popup.url();
        await popup.close();
      }
      expect(opened.flowchart).toBe(`${url}/flowcharts/replacement.html`);
      expect(await page.getAttribute('html', 'lang')).toBe(lang);
    }, 120_000);

    it('raised no page error', () => {
      expect(problems).toEqual([]);
    });
  });

  describe.each(VIEWPORTS)('the printable checklist on a %s (%ix%i)', (label, width, height) => {
    let page: Page;
    beforeAll(async () => {
      page = await newPage(label, width, height);
    });
    afterAll(async () => {
      await page?.close();
    });

    it('has no violation, its language set, links to reach with a finger and a focus that shows, and nothing sideways', async () => {
      expect(opened.checklist).toMatch(/\/checklist\?key=/);
      await page.goto(opened.checklist as string);
      expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
      expect(await accessibilityProblems(page), `${label}, checklist`).toEqual([]);
      expect(await sideways(page)).toBeLessThanOrEqual(0);
      expect(await smallTargets(page, 'nav a')).toEqual([]);
      await page.keyboard.press('Tab');
      const ring = await focusRing(page);
      expect(ring.tag).toBe('a');
      expect(ring.outline).not.toBe('none');
      expect(ring.width).toBeGreaterThanOrEqual(2);
      await page.screenshot({ path: join(ARTIFACTS, `${label}-3-checklist.png`), fullPage: label === 'desktop' });
    });

    it('has a 大字版 that makes the text at least 150% with no sideways scrolling and no violation, and back', async () => {
      const size = () => page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('td') as Element).fontSize));
      const normal = await size();
      await page.getByRole('link', { name: t('ui:checklist.large'), exact: true }).click();
      await page.waitForURL(/size=large/);
      expect((await size()) / normal).toBeGreaterThanOrEqual(1.5);
      expect(await sideways(page)).toBeLessThanOrEqual(0);
      expect(await accessibilityProblems(page), `${label}, checklist 大字版`).toEqual([]);
      expect(await smallTargets(page, 'nav a')).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, `${label}-4-checklist-large.png`), fullPage: label === 'desktop' });
      // The other language keeps the size and the case's key, without which the page does not open.
      const english = await page.getAttribute('a[hreflang="en"]', 'href');
      const res = await fetch(`${url}${english ?? ''}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<html lang="en" class="large">');
      await page.getByRole('link', { name: t('ui:checklist.normal'), exact: true }).click();
      await page.waitForURL((u) => !u.search.includes('size=large'));
      expect(await size()).toBe(normal);
    });
  });

  describe.each(VIEWPORTS)('the flowchart page on a %s (%ix%i)', (label, width, height) => {
    let page: Page;
    beforeAll(async () => {
      page = await newPage(label, width, height);
    });
    afterAll(async () => {
      await page?.close();
    });

    it.each(['zh-CN', 'en'] as const)('in %s has no violation, and the picture has the steps in words as its text alternative', async (lang) => {
      const tl = conversation().t(lang);
      const p = knowledge().procedures.get('replacement');
      await page.goto(`${opened.flowchart ?? ''}${lang === 'en' ? '?lang=en' : ''}`);
      expect(await page.getAttribute('html', 'lang')).toBe(lang);
      const img = page.getByRole('img');
      await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(true);
      expect(await img.getAttribute('alt')).toContain(tl('procedures:replacement.title'));
      // The description the picture points to lists every step, in order, with who does it.
      const described = await img.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.innerText ?? '');
      const steps = p?.steps ?? [];
      expect(steps.length).toBeGreaterThan(2);
      let at = -1;
      for (const s of steps) {
        const i = described.indexOf(tl(`procedures:replacement.steps.${s.id}`));
        expect(i, s.id).toBeGreaterThan(at);
        at = i;
      }
      expect(described).toContain(tl('common:actor.authority'));
      expect(await accessibilityProblems(page), `${label}, flowchart page ${lang}`).toEqual([]);
      expect(await sideways(page)).toBeLessThanOrEqual(0);
      expect(await smallTargets(page, '.controls a')).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, `${label}-5-flowchart-${lang}.png`), fullPage: label === 'desktop' });
    });
  });
});
