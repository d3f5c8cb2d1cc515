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

export function translator(instance: i18n, lng: Language): Translate {
  const fixed = instance.getFixedT(lng);
  return (key, params) => String(fixed(key, params as never));
}
