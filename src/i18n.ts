import i18next, { type i18n, type TOptions } from 'i18next';
import type { Knowledge } from './knowledge/model.js';
import { LANGUAGES, type Language, NAMESPACES } from './knowledge/schema.js';

export type Translate = (key: string, params?: TOptions) => string;

/** One i18next instance over the loaded locales; contacts are always available as {{contact.id}}. */
export function createI18n(k: Knowledge): i18n {
  const instance = i18next.createInstance();
  void instance.init({
    initAsync: false,
    resources: Object.fromEntries(LANGUAGES.map((lng) => [lng, k.locales[lng]])),
    supportedLngs: [...LANGUAGES],
    lng: 'zh-CN',
    fallbackLng: false,
    ns: [...NAMESPACES],
    defaultNS: 'ui',
    interpolation: { escapeValue: false, defaultVariables: { contact: Object.fromEntries(Object.entries(k.contacts).map(([id, c]) => [id, c.value])) } },
    returnNull: false,
    showSupportNotice: false,
  } as never);
  return instance;
}

const translators = new WeakMap<i18n, Map<Language, Translate>>();
/** Enough for every text of every outcome in both languages; past it the memo starts again. */
const MEMO_LIMIT = 50_000;
/** Stands for the n-th string parameter while a template is translated; no text contains it. */
const SLOT = /\u0001(\d+)\u0001/g;

/**
 * A translator for one language. i18next costs 10-20 microseconds a call and an outcome needs a few
 * hundred calls, the same ones every time: the results are memoised, since the texts never change while
 * the service runs. Parameters that differ on every call (a case reference, a date, the user's words)
 * would defeat the memo and fill it: string parameters are translated once as numbered slots and filled
 * in afterwards, as i18next would (no escaping, no nesting inside values). Numbers, the plural `count`
 * among them, and i18next's `context` choose the text, so they are part of what is memoised.
 */
export function translator(instance: i18n, lng: Language): Translate {
  let byLang = translators.get(instance);
  if (!byLang) translators.set(instance, (byLang = new Map()));
  const known = byLang.get(lng);
  if (known) return known;
  const fixed = instance.getFixedT(lng);
  // A text with string parameters is kept cut at its slots: filling it in is then a join, not a search.
  const memo = new Map<string, string | (string | number)[]>();
  const t: Translate = (key, params) => {
    let id = key;
    let values: string[] | undefined;
    let slotted: Record<string, unknown> | undefined;
    if (params !== undefined) {
      // The memo's key names every parameter; string ones by their slot only, the others by their value.
      for (const name in params) {
        const value = (params as Record<string, unknown>)[name];
        if (typeof value === 'string' && name !== 'context') {
          values ??= [];
          slotted ??= { ...params };
          slotted[name] = `\u0001${values.length}\u0001`;
          values.push(value);
          id += `\u0000${name}\u0001`;
        } else id += `\u0000${name}=${typeof value === 'number' ? value : JSON.stringify(value)}`;
      }
    }
    let text = memo.get(id);
    if (text === undefined) {
      const translated = String(fixed(key, (slotted ?? params) as never));
      text = values ? translated.split(SLOT).map((part, i) => (i % 2 === 1 ? Number(part) : part)) : translated;
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(id, text);
    }
    if (typeof text === 'string') return text;
    let out = '';
    for (const part of text) out += typeof part === 'number' ? (values?.[part] as string) : part;
    return out;
  };
  byLang.set(lng, t);
  return t;
}

/** A language tag ("zh-CN", "zh", "en-US", "en", an Accept-Language header) as one of ours; undefined for any other or none. */
export function parseLanguage(tag: unknown): Language | undefined {
  if (typeof tag !== 'string') return undefined;
  if (/^en\b/i.test(tag)) return 'en';
  if (/^zh\b/i.test(tag)) return 'zh-CN';
  return undefined;
}
