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

/**
 * A translator for one language. i18next costs tens of microseconds a call and an outcome needs a few
 * hundred calls, the same ones every time: the results are memoised per key and parameters, since the
 * texts never change while the service runs.
 */
export function translator(instance: i18n, lng: Language): Translate {
  let byLang = translators.get(instance);
  if (!byLang) translators.set(instance, (byLang = new Map()));
  const known = byLang.get(lng);
  if (known) return known;
  const fixed = instance.getFixedT(lng);
  const memo = new Map<string, string>();
  const t: Translate = (key, params) => {
    const id = params === undefined ? key : `${key}\u0000${JSON.stringify(params)}`;
    let text = memo.get(id);
    if (text === undefined) {
      text = String(fixed(key, params as never));
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(id, text);
    }
    return text;
  };
  byLang.set(lng, t);
  return t;
}
