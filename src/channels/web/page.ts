import type { Translate } from '../../i18n.js';
import { escapeHtml } from '../../render/html.js';
import type { Knowledge } from '../../knowledge/model.js';
import type { Language } from '../../knowledge/schema.js';

/** The page's texts: every {{web.x}} of web/index.html, named here in full so the key checks see them. */
const PAGE_TEXTS: Record<string, string> = {
  'web.pageTitle': 'ui:web.pageTitle',
  'web.skipToChat': 'ui:web.skipToChat',
  'web.bureau': 'ui:web.bureau',
  'web.bureauSub': 'ui:web.bureauSub',
  'web.languageLabel': 'ui:web.languageLabel',
  'web.otherLanguage': 'ui:web.otherLanguage',
  'web.navLabel': 'ui:web.navLabel',
  'web.navHome': 'ui:web.navHome',
  'web.navNotices': 'ui:web.navNotices',
  'web.navGuides': 'ui:web.navGuides',
  'web.navAssistant': 'ui:web.navAssistant',
  'web.navContact': 'ui:web.navContact',
  'web.assistantTitle': 'ui:web.assistantTitle',
  'web.assistantIntro': 'ui:web.assistantIntro',
  'web.restart': 'ui:web.restart',
  'web.connecting': 'ui:web.connecting',
  'web.chatLabel': 'ui:web.chatLabel',
  'web.noScript': 'ui:web.noScript',
  'web.noticesTitle': 'ui:web.noticesTitle',
  'web.notice1': 'ui:web.notice1',
  'web.notice2': 'ui:web.notice2',
  'web.notice3': 'ui:web.notice3',
  'web.flowchartsTitle': 'ui:web.flowchartsTitle',
  'web.flowchartsIntro': 'ui:web.flowchartsIntro',
  'web.contactTitle': 'ui:web.contactTitle',
  'web.demoNotice': 'ui:web.demoNotice',
  'web.footer': 'ui:web.footer',
  'web.controlsLabel': 'ui:web.controlsLabel',
  'web.displayLabel': 'ui:web.displayLabel',
  'web.largeText': 'ui:web.largeText',
  'web.highContrast': 'ui:web.highContrast',
  'controls.back': 'ui:controls.back',
  'controls.restart': 'ui:controls.restart',
  'controls.human': 'ui:controls.human',
};

/** JSON inside a <script> element: "<" escaped so no text can close the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export interface PageOptions {
  lang: Language;
  nonce: string;
  embed: boolean;
  /** Whether the language came from the address (?lang=), which then wins over the one the session remembers. */
  langInUrl: boolean;
}

/** Placeholders the template must use and the page fills; a template naming anything else is refused at start. */
export function checkTemplate(template: string): string[] {
  const known = new Set([...Object.keys(PAGE_TEXTS), 'lang', 'config', 'bodyClass', 'otherLang', 'otherLangHref', 'flowchartLinks', 'contactLine']);
  return [...template.matchAll(/\{\{([^}]+)\}\}/g)].map((m) => m[1] as string).filter((name) => !known.has(name));
}

/** web/index.html in one language: texts filled in, the flowchart list, and the page script's settings. */
export function renderPage(template: string, k: Knowledge, t: Translate, o: PageOptions): string {
  const other: Language = o.lang === 'en' ? 'zh-CN' : 'en';
  const q = (lang: Language) => `?lang=${lang}${o.embed ? '&embed=1' : ''}`;
  const charts = [...k.procedures.values()]
    .map((p) => {
      const suffix = o.lang === 'en' ? '?lang=en' : '';
      const title = escapeHtml(t(`procedures:${p.id}.title`));
      return `<li><a href="/flowcharts/${p.id}.svg${suffix}">${title}</a> (<a href="/flowcharts/${p.id}.png${suffix}">${escapeHtml(t('ui:web.flowchartPng'))}</a>)</li>`;
    })
    .join('');
  const config = {
    lang: o.lang,
    langInUrl: o.langInUrl,
    webChatLocale: o.lang === 'en' ? 'en-US' : 'zh-CN',
    nonce: o.nonce,
    tokenUrl: '/api/directline/token',
    strings: {
      connecting: t('ui:web.connecting'),
      failed: t('ui:web.failed'),
      placeholder: t('ui:web.placeholder'),
      botInitials: t('ui:web.botInitials'),
      userInitials: t('ui:web.userInitials'),
    },
  };
  const values: Record<string, string> = {
    lang: o.lang,
    config: scriptJson(config),
    bodyClass: o.embed ? 'embed' : '',
    otherLang: other,
    otherLangHref: q(other),
    flowchartLinks: charts,
    contactLine: escapeHtml(t('ui:web.contactLine', { phone: k.contacts.hotline?.value ?? '', site: k.contacts.serviceSite?.value ?? '' })),
  };
  return template.replace(/\{\{([^}]+)\}\}/g, (_, name: string) => {
    if (name in values) return values[name] as string;
    const key = PAGE_TEXTS[name];
    return key ? escapeHtml(t(key)) : '';
  });
}
