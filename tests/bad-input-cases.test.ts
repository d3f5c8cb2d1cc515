import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casesRoutes } from '../src/channels/http/cases-routes.js';
import { runCorpus } from './bad-input/batches.js';
import { checklistPathOf } from './cases-helpers.js';
import { casesCorpus } from './bad-input/cases.js';
import { MARKUP } from './bad-input/corpus.js';
import { type RunningBot, startBot } from './botframework-server.js';
import { say, texts } from './messages-client.js';
import { referencesIn } from './service-process.js';

/** The corpus of bad input for the agent API and the checklist page (tests/bad-input/cases.ts). */
const TOKEN = 'bad-input-agent-token-0123456789';
let bot: RunningBot;
beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
  bot = await startBot({ EKEY_AGENT_TOKEN: TOKEN }, [casesRoutes]);
});
afterAll(async () => {
  await bot.close();
  nock.enableNetConnect();
});

describe('bad input to /api/cases and /cases/:ref/checklist', () => {
  it('gets a 4xx with a reason or a harmless answer, the server keeps serving, and no stored case changes', async () => {
    await say(bot.url, 'seed', '钥匙丢了');
    const [ref] = referencesIn(texts(await say(bot.url, 'seed', '内资')));
    expect(ref).toMatch(/^EK-/);
    const unknown = `${(ref as string).slice(0, 12)}${(ref as string).slice(12) === 'ABCDEF' ? 'ABCDEG' : 'ABCDEF'}`;
    const corpus = casesCorpus(ref as string, unknown, TOKEN);
    expect(corpus.length).toBeGreaterThan(100);
    await runCorpus(bot.url, bot.dataDir, corpus);
    const res = await fetch(`${bot.url}/api/cases/${ref}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await res.json()) as { case: { status: string } }).case.status).toBe('advised');
  }, 60_000);

  it('shows markup typed into the chat or by an agent escaped on the checklist page, and as data in the API', async () => {
    await say(bot.url, 'markup', '钥匙丢了');
    const [ref] = referencesIn(texts(await say(bot.url, 'markup', '内资')));
    const zh = bot.app.ctx.conversation.t('zh-CN');
    await say(bot.url, 'markup', '登记联系方式');
    // Angle brackets are no part of a registered name: refused, and asked again.
    expect(texts(await say(bot.url, 'markup', MARKUP[0] as string))).toContain(zh('ui:contact.badName'));
    const name = `"'&amp;{{x}} 有限公司`;
    for (const answer of [name, '跳过', '跳过']) expect((await say(bot.url, 'markup', answer)).status).toBe(200);
    const agent = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const moved = await fetch(`${bot.url}/api/cases/${ref}/transitions`, {
      method: 'POST',
      headers: agent,
      body: JSON.stringify({ to: 'submitted', agent: MARKUP[2], remark: MARKUP.join(' ') }),
    });
    expect(moved.status).toBe(200);
    const view = await fetch(`${bot.url}/api/cases/${ref}`, { headers: agent });
    expect(view.headers.get('content-type')).toMatch(/^application\/json/);
    expect(view.headers.get('x-content-type-options')).toBe('nosniff');
    const stored = (await view.json()) as { case: { contact?: { enterpriseName?: string }; history: { agent?: string; remark?: string }[] } };
    // Kept as typed: it is data, escaped where it is shown.
    expect(stored.case.contact?.enterpriseName).toBe(name);
    expect(stored.case.history.at(-1)).toMatchObject({ agent: MARKUP[2], remark: MARKUP.join(' ') });

    for (const lang of ['zh-CN', 'en'] as const) {
      const page = await fetch(`${bot.url}${await checklistPathOf(bot.app, ref as string, lang)}`);
      const html = await page.text();
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      for (const m of [...MARKUP, name]) expect(html).not.toContain(m);
      expect(html).not.toMatch(/<script|<img|<svg|onerror=|onload=|javascript:/i);
      const tags = new Set([...html.matchAll(/<\/?([a-zA-Z0-9]+)/g)].map((m) => (m[1] as string).toLowerCase()));
      for (const tag of tags)
        expect([
          'html',
          'head',
          'meta',
          'title',
          'style',
          'body',
          'header',
          'h1',
          'h2',
          'h3',
          'p',
          'span',
          'nav',
          'a',
          'section',
          'table',
          'thead',
          'tbody',
          'tr',
          'th',
          'td',
          'ol',
          'ul',
          'li',
          'footer',
        ]).toContain(tag);
    }
  });
});
