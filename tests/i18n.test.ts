import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createI18n, translator } from '../src/i18n.js';
import { LANGUAGES } from '../src/knowledge/schema.js';
import { knowledge } from './helpers.js';

/**
 * The memoising translator says exactly what i18next says, for every text of the locales and any
 * parameters: strings of every kind (markup, i18next's own syntax, the characters it uses for its
 * slots), numbers that choose a plural.
 */
const k = knowledge();
const i18n = createI18n(k);

function keysOf(tree: Record<string, unknown>, prefix: string): string[] {
  return Object.entries(tree).flatMap(([name, v]) => (typeof v === 'string' ? [`${prefix}${name}`] : keysOf(v as Record<string, unknown>, `${prefix}${name}.`)));
}
const keys = LANGUAGES.flatMap((lng) =>
  Object.entries(k.locales[lng]).flatMap(([ns, tree]) =>
    keysOf(tree as Record<string, unknown>, `${ns}:`).map((key) => ({ lng, key: key.replace(/_(one|other|zero|two|few|many)$/, '') })),
  ),
);
const names = [
  ...new Set(
    JSON.stringify(k.locales)
      .match(/\{\{\s*([\w.]+)\s*\}\}/g)
      ?.map((m) => m.slice(2, -2).trim())
      .filter((n) => !n.startsWith('contact.')) ?? [],
  ),
];

describe('the translator', () => {
  it('gives what i18next gives, for every key, with and without parameters', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...keys),
        // i18next itself sometimes fills a placeholder that a value brought in: such values are below.
        fc.dictionary(
          fc.constantFrom(...names),
          fc.oneof(
            fc.string().filter((v) => !v.includes('{{')),
            fc.constantFrom('$t(ui:greeting)', '\u00010\u0001', '<b>', ''),
            fc.integer({ min: 0, max: 12 }),
          ),
        ),
        ({ lng, key }, params) => {
          const t = translator(i18n, lng);
          const direct = i18n.getFixedT(lng);
          expect(t(key, params)).toBe(String(direct(key, params as never)));
          // A second time, from the memo, the same.
          expect(t(key, params)).toBe(String(direct(key, params as never)));
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('puts a value in as it is, even one that looks like a placeholder', () => {
    const t = translator(i18n, 'zh-CN');
    for (const { lng, key } of keys) {
      const template = String(i18n.getFixedT(lng)(key));
      const used = names.filter((n) => template.includes(`{{${n}}}`));
      if (used.length < 2) continue;
      const params = Object.fromEntries(used.map((n, i) => [n, i === 0 ? `{{${used[1]}}}` : `v${i}`]));
      expect(translator(i18n, lng)(key, params), key).toContain(`{{${used[1]}}}`);
    }
    expect(t('ui:notUnderstood', { text: '{{phone}}' })).toContain('{{phone}}');
  });
});
