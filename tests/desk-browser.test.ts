import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { accessibilityProblems, CHROMIUM, launchChromium, listeningApp } from './browser-helpers.js';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');

const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const REFERENCE = /EK-\d{8}-[23456789A-HJ-NP-Z]{6}/;
const PASSWORD = 'desk-test-password-1';

/** An account made as the README says: `npm run agents -- add NAME --role ROLE`, the password piped in. */
function addAgent(dataDir: string, name: string, role: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      join(process.cwd(), 'node_modules', '.bin', 'tsx'),
      ['src/cli/agents.ts', 'add', name, '--role', role],
      { env: { ...process.env, EKEY_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, timeout: 60_000 },
      (err, _out, stderr) => (err ? reject(new Error(`agents add ${name}: ${stderr || err.message}`)) : resolve()),
    );
    child.stdin?.end(`${PASSWORD}\n`);
  });
}

interface Run {
  label: string;
  lang: 'zh-CN' | 'en';
  viewport: { width: number; height: number };
  agent: string;
  role: 'agent' | 'supervisor';
  words: {
    signIn: string;
    wrong: string;
    replace: string;
    lost: string;
    damaged: string;
    domestic: RegExp;
    outcome: string;
    contact: string;
    skip: string;
    find: string;
    search: string;
    submitted: RegExp;
    rejected: RegExp;
    conflict: string;
    callbacks: string;
    figures: string;
    signOut: string;
  };
}

const RUNS: Run[] = [
  {
    label: 'desktop 1280×800, Chinese, a supervisor',
    lang: 'zh-CN',
    viewport: { width: 1280, height: 800 },
    agent: 'lin.supervisor',
    role: 'supervisor',
    words: {
      signIn: '登录',
      wrong: '名称或密码不正确',
      replace: '补办（原有电子钥匙丢失或损坏）',
      lost: '丢失',
      damaged: '损坏',
      domestic: /^内资企业/,
      outcome: '办理指引',
      contact: '登记联系方式',
      skip: '跳过',
      find: '查找案件',
      search: '查找案件',
      submitted: /^已递交材料/,
      rejected: /^核验未通过/,
      conflict: '其他人刚修改了这个案件',
      callbacks: '回呼请求',
      figures: '统计数据',
      signOut: '退出登录',
    },
  },
  {
    label: 'tablet 768×1024, English, an agent',
    lang: 'en',
    viewport: { width: 768, height: 1024 },
    agent: 'wang.agent',
    role: 'agent',
    words: {
      signIn: 'Sign in',
      wrong: 'The name or the password is not right.',
      replace: 'Replacement (existing e-key lost or damaged)',
      lost: 'Lost',
      damaged: 'Damaged',
      domestic: /^Domestic enterprise/,
      outcome: 'Guidance',
      contact: 'contact details',
      skip: 'skip',
      find: 'Find a case',
      search: 'Search cases',
      submitted: /^Materials submitted/,
      rejected: /^Not verified/,
      conflict: 'Someone else changed this case',
      callbacks: 'Call-backs',
      figures: 'Figures',
      signOut: 'Sign out',
    },
  },
];

/** End to end: the console of a fresh service, its real API, in Debian's chromium. */
describe('the desk console in Chromium', () => {
  let app: App;
  let url: string;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`);
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'ekey-desk-'));
    for (const run of RUNS) await addAgent(dataDir, run.agent, run.role);
    ({ app, url } = await listeningApp(dataDir));
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  describe.each(RUNS)('$label', (run) => {
    let page: Page;
    let reference = '';
    const problems: string[] = [];
    const w = run.words;
    const size = run.viewport.width >= 1000 ? 'desktop' : 'tablet';
    const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `desk-${size}-${name}.png`), fullPage: true });
    const view = () => page.locator('#view');
    /** No sideways scrolling, and no axe violation, on the view as it is now. */
    const checkView = async (name: string) => {
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), `${name}: sideways scrolling`).toBeLessThanOrEqual(0);
      expect(await accessibilityProblems(page), `${name}: WCAG 2.1 A/AA violations`).toEqual([]);
      await shot(name);
    };

    beforeAll(async () => {
      page = await browser.newPage({ viewport: run.viewport, locale: run.lang });
      page.setDefaultTimeout(15_000);
      page.on('console', (m) => {
        // A 401 or 409 the page answered on purpose is logged by the browser as a failed resource; anything else is a problem.
        if ((m.type() === 'error' && !/status of (401|409)/.test(m.text())) || /Content Security Policy/i.test(m.text())) problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    });
    afterAll(async () => {
      await page?.close();
    });

    it('opens on the sign-in page under a strict CSP, in the chosen language, with no accessibility violation', async () => {
      const res = await page.goto(`${url}/desk${run.lang === 'en' ? '?lang=en' : ''}`);
      const csp = res?.headers()['content-security-policy'] ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(await page.getAttribute('html', 'lang')).toBe(run.lang);
      await page.getByRole('heading', { level: 1, name: w.signIn }).waitFor();
      await checkView('1-sign-in');
    });

    it('says in words when the password is wrong, then signs in from the keyboard', async () => {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip');
      await page.locator('input[name="name"]').fill(run.agent);
      await page.locator('input[name="password"]').fill('not-the-password');
      await page.locator('input[name="password"]').press('Enter');
      await expect.poll(() => page.getByRole('alert').innerText()).toContain(w.wrong);
      await shot('1b-wrong-password');
      await page.locator('input[name="name"]').focus();
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('password');
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('#who').innerText()).toContain(run.agent);
      expect(await page.locator('#nav-figures').isVisible()).toBe(run.role === 'supervisor');
    });

    it('guides a caller to an outcome with buttons, and changes an answer from the outcome', async () => {
      await view().getByRole('button').first().click();
      await page.getByRole('button', { name: w.replace }).click();
      await page.getByRole('button', { name: w.lost, exact: true }).click();
      await checkView('2-question');
      await page.getByRole('button', { name: w.domestic }).click();
      const outcome = view().locator('.outcome');
      await outcome.waitFor();
      expect(await outcome.getByRole('heading', { level: 2 }).first().innerText()).toBe(w.outcome);
      reference = (await outcome.locator('.case-note h3').innerText()).match(REFERENCE)?.[0] ?? '';
      expect(reference).toMatch(REFERENCE);
      const checklist = outcome.locator(`a[href*="/cases/${reference}/checklist"]`);
      expect(await checklist.count()).toBe(1);
      expect((await fetch(new URL((await checklist.getAttribute('href')) as string, url))).status).toBe(200);
      // The collapsible sections open, and are checked open.
      for (const summary of await outcome.locator('details summary').all()) await summary.click();
      await checkView('3-outcome');
      // Every deciding answer has its change button: changing the loss kind asks that question again, and
      // the other answer revises the case under its reference.
      const changes = outcome.locator('.why button');
      expect(await changes.count()).toBeGreaterThanOrEqual(2);
      await changes.nth(1).click();
      await page.getByRole('button', { name: w.damaged, exact: true }).click();
      const again = page.getByRole('button', { name: w.domestic });
      await Promise.race([again.waitFor(), view().locator('.case-note').waitFor()]);
      if (await again.count()) await again.click();
      expect((await view().locator('.case-note h3').innerText()).match(REFERENCE)?.[0]).toBe(reference);
    });

    it('takes the caller’s contact details as typed text', async () => {
      const say = async (text: string) => {
        const before = await view().locator('.turn').innerText();
        await view().locator('.say input').fill(text);
        await view().locator('.say input').press('Enter');
        await expect.poll(() => view().locator('.turn').innerText()).not.toBe(before);
      };
      await say(w.contact);
      await say(run.lang === 'en' ? 'Test Trading Co., Ltd.' : '测试贸易有限公司');
      await say(w.skip);
      await say('13812345678');
    });

    it('finds that case by a formatted mobile number', async () => {
      await page.getByRole('link', { name: w.find }).click();
      await page.getByRole('searchbox').fill('138 1234 5678');
      await page.getByRole('button', { name: w.search }).click();
      const row = view().locator('table.cases tbody tr', { hasText: reference });
      await row.waitFor();
      expect(await row.innerText()).toContain(run.agent);
      await checkView('4-find');
      await row.getByRole('link', { name: reference }).click();
      await page.getByRole('heading', { level: 1, name: new RegExp(reference) }).waitFor();
      expect(await view().innerText()).toContain('13812345678');
      // The answer changed from the outcome revised the case: its timeline says so, under the same status.
      const revised = view().locator('.timeline .revised');
      expect(await revised.count()).toBe(1);
      expect(await revised.innerText()).toMatch(run.lang === 'en' ? /^The answers were changed/ : /^回答已更改/);
      // And which answer changed, as it was and as it is.
      const changed = view().locator('.timeline .changed-answers li');
      expect(await changed.count()).toBe(1);
      expect(await changed.innerText()).toContain(`${w.lost} → ${w.damaged}`);
      await checkView('5-case');
    });

    it('moves the case on, is told when another agent moved it first, then rejects it with a remark and materials to resubmit', async () => {
      const move = view().locator('form.move');
      await move.getByRole('combobox').selectOption({ label: (await move.locator('option').allInnerTexts()).find((x) => w.submitted.test(x)) as string });
      await move.getByRole('button').click();
      await expect.poll(() => view().locator('.facts dd').first().innerText()).toMatch(w.submitted);
      // Another agent moves it (the same API, another session) while this page still shows the old version.
      const other = await browser.newContext();
      const api = other.request;
      const signed = await api.post(`${url}/desk/api/session`, { data: { name: run.agent, password: PASSWORD } });
      const { csrf } = (await signed.json()) as { csrf: string };
      const shown = (await (await api.get(`${url}/desk/api/cases/${reference}`)).json()) as { case: { version: number }; transitions: { to: string; reject: boolean }[] };
      const step = shown.transitions.find((x) => x.reject);
      expect(step).toBeDefined();
      const stale = view().locator('form.move');
      const rejectLabel = (await stale.locator('option').allInnerTexts()).find((x) => w.rejected.test(x)) as string;
      // Into the rejection and back to submitted: the case is where it was, at a newer version.
      const first = await api.post(`${url}/desk/api/cases/${reference}/transitions`, {
        headers: { 'X-CSRF-Token': csrf },
        data: { to: step!.to, remark: 'x', version: shown.case.version },
      });
      expect(first.status()).toBe(200);
      const moved = (await first.json()) as { case: { version: number } };
      expect(
        (await api.post(`${url}/desk/api/cases/${reference}/transitions`, { headers: { 'X-CSRF-Token': csrf }, data: { to: 'submitted', version: moved.case.version } })).status(),
      ).toBe(200);
      await other.close();
      const reject = async () => {
        const form = view().locator('form.move');
        await form.getByRole('combobox').selectOption({ label: rejectLabel });
        await form.getByRole('textbox').fill(run.lang === 'en' ? 'The application form lacks the company seal.' : '申请表未加盖公章，请重新提交。');
        const boxes = form.locator('fieldset.resubmit input[type="checkbox"]');
        expect(await boxes.count()).toBeGreaterThanOrEqual(1);
        await boxes.first().check();
        await form.getByRole('button').click();
      };
      await reject();
      await expect.poll(() => page.locator('#notice').innerText()).toContain(w.conflict);
      await shot('6-conflict');
      await reject();
      await expect.poll(() => view().locator('.facts dd').first().innerText()).toMatch(w.rejected);
      const timeline = await view().locator('.timeline').innerText();
      expect(timeline).toContain(run.lang === 'en' ? 'lacks the company seal' : '未加盖公章');
      await checkView('7-rejected');
    });

    it('shows the call-backs queue and, to a supervisor only, the figures', async () => {
      await page.getByRole('link', { name: w.callbacks }).click();
      await page.getByRole('heading', { level: 1, name: w.callbacks }).waitFor();
      await checkView('8-callbacks');
      if (run.role === 'supervisor') {
        await page.getByRole('link', { name: w.figures }).click();
        await page.getByRole('heading', { level: 1, name: w.figures }).waitFor();
        await view().locator('table').first().waitFor();
        await checkView('9-figures');
      } else {
        expect(await page.getByRole('link', { name: w.figures }).count()).toBe(0);
      }
    });

    it('signs out, back to the sign-in page, and raised no console error nor CSP violation', async () => {
      await page.getByRole('button', { name: w.signOut }).click();
      await page.getByRole('heading', { level: 1, name: w.signIn }).waitFor();
      expect(await page.locator('#views').isVisible()).toBe(false);
      expect(problems).toEqual([]);
    });
  });
}, 300_000);
