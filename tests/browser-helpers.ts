import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type App, createApp } from '../src/app.js';
import { defaultChannels } from '../src/channels/index.js';
import { ConfigSchema } from '../src/config.js';
import { freePort } from './service-process.js';

/** Debian's chromium, as .ci/run installs it; never a browser downloaded by a test tool. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's WCAG 2.1 A/AA rules on the page as it is: each violation with its rule and elements. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  // Evaluated through the debugging protocol, which the page's CSP does not govern (an injected <script> it would refuse).
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (c: unknown, o: unknown) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

/** The elements whose right edge passes the viewport: nothing may run off the screen. */
export function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.position === 'fixed') continue;
      // Screen-reader-only text (Web Chat's live region) sits clipped off-screen on purpose.
      if (style.clipPath !== 'none' || style.clip.startsWith('rect') || (r.width <= 1 && r.height <= 1) || el.closest('[class*="live-region"]')) continue;
      if (r.right > width + 1) out.push(`${el.tagName.toLowerCase()}.${String(el.className).slice(0, 60)} right=${Math.round(r.right)} > ${width}`);
    }
    return out.slice(0, 10);
  });
}

/** A fresh service in this process on 127.0.0.1 for a browser to drive: its app (to close) and its address. */
export async function listeningApp(dataDir: string, env: Record<string, string> = {}): Promise<{ app: App; url: string }> {
  const port = await freePort();
  const config = ConfigSchema.parse({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', EKEY_DATA_DIR: dataDir, EKEY_RATE_LIMIT_RPS: '0', ...env });
  const app = await createApp(config, { channels: defaultChannels });
  await new Promise<void>((resolve) => app.server.listen(port, '127.0.0.1', resolve));
  return { app, url: `http://127.0.0.1:${port}` };
}
