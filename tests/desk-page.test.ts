import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDeskTemplate, renderDeskPage } from '../src/channels/web/desk-page.js';
import { createI18n, translator } from '../src/i18n.js';
import { flatten } from '../src/knowledge/locale-keys.js';
import { PROJECT_ROOT } from '../src/knowledge/load.js';
import { knowledge } from './helpers.js';

const k = knowledge();
const i18n = createI18n(k);
const template = readFileSync(join(PROJECT_ROOT, 'web', 'desk', 'index.html'), 'utf8');
const script = readFileSync(join(PROJECT_ROOT, 'web', 'desk', 'desk.js'), 'utf8');

describe('the desk console page', () => {
  it('names only placeholders it fills', () => {
    expect(checkDeskTemplate(template, k)).toEqual([]);
    expect(checkDeskTemplate(`${template}{{desk.nothing}}`, k)).toEqual(['desk.nothing']);
  });

  it.each(['zh-CN', 'en'] as const)('renders in %s: the lang attribute, its words, no placeholder left, JSON that cannot close its script element', (lang) => {
    const html = renderDeskPage(template, k, translator(i18n, lang), lang);
    expect(html).toContain(`<html lang="${lang}">`);
    const json = /<script id="desk-config" type="application\/json">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    // The words keep their {{placeholders}} for the page's script; the page itself has none left.
    expect(html.replace(json, '')).not.toMatch(/\{\{/);
    const config = JSON.parse(json) as { lang: string; words: Record<string, string>; procedures: { id: string; label: string }[]; statuses: string[] };
    expect(config.lang).toBe(lang);
    expect(config.words['signIn.title']).toBe(lang === 'en' ? 'Sign in' : '登录');
    expect(config.procedures.map((p) => p.id)).toContain('replacement');
    expect(config.statuses.length).toBeGreaterThan(3);
    expect(json).not.toContain('<');
  });

  it('asks for no word the locales lack, and every word of locales/*/desk.json is asked for', () => {
    const words = flatten(k.locales['zh-CN'].desk);
    const literal = [...script.matchAll(/\bt\('([a-zA-Z.]+)'[,)]/g)].map((m) => m[1] as string);
    const prefixes = [...script.matchAll(/\bt\('([a-zA-Z.]+\.)' \+/g)].map((m) => m[1] as string);
    const inPage = [...template.matchAll(/\{\{desk\.([a-zA-Z.]+)\}\}/g)].map((m) => m[1] as string);
    expect(literal.filter((key) => !words.has(key))).toEqual([]);
    const used = (key: string) => literal.includes(key) || inPage.includes(key) || prefixes.some((p) => key.startsWith(p));
    expect([...words.keys()].filter((key) => !used(key))).toEqual([]);
  });
});
