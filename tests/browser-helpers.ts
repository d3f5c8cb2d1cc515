import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type App, createApp } from '../src/app.js';
import { defaultChannels } from '../src/channels/index.js';
import { ConfigSchema } from '../src/config.js';
import { freePort } from './service-process.js';

/** Debian's chromium, as .ci/run installs it; never a browser downloaded by a test tool. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** axe-core's WCAG 2.1 A/AA rules on the page as it is: each violation with its rule and the selectors of its elements. */
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

/** The service with every channel, in this process, on a free port of 127.0.0.1, as plain `npm start` runs it (no EKEY_PUBLIC_URL). */
export async function startApp(dataDir: string): Promise<{ app: App; url: string }> {
  const port = await freePort();
  const config = ConfigSchema.parse({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', EKEY_DATA_DIR: dataDir, EKEY_RATE_LIMIT_RPS: '0' });
  if (config.EKEY_PUBLIC_URL) throw new Error('EKEY_PUBLIC_URL must not be set here');
  const app = await createApp(config, { channels: defaultChannels });
  await new Promise<void>((resolve) => app.server.listen(port, '127.0.0.1', resolve));
  return { app, url: `http://127.0.0.1:${port}` };
}
