import { flatten } from '../../knowledge/locale-keys.js';
import type { Translate } from '../../i18n.js';
import type { Knowledge } from '../../knowledge/model.js';
import type { Language } from '../../knowledge/schema.js';
import { escapeHtml } from '../../render/html.js';
import { scriptJson } from './page.js';

/**
 * The desk console's page (web/desk/index.html) in one language: its {{desk.x}} texts filled in, and the
 * words its script needs (the whole desk namespace, interpolated in the browser), with the procedures and
 * statuses the case search offers, in a JSON script element the strict CSP allows.
 */
export function renderDeskPage(template: string, k: Knowledge, t: Translate, lang: Language): string {
  const other: Language = lang === 'en' ? 'zh-CN' : 'en';
  const words = Object.fromEntries(flatten(k.locales[lang].desk));
  const procedures = [...k.procedures.keys()].map((id) => ({ id, label: t(`procedures:${id}.title`) }));
  // Status words differ by lifecycle; the search takes words, so each distinct label is offered once.
  const statuses = [...new Set([...flatten(k.locales[lang].lifecycle)].filter(([key]) => key.includes('.statuses.')).map(([, label]) => label))];
  const config = { lang, words, procedures, statuses };
  const values: Record<string, string> = { lang, otherLang: other, otherLangHref: `?lang=${other}`, config: scriptJson(config) };
  return template.replace(/\{\{([^}]+)\}\}/g, (_, name: string) => {
    if (name in values) return values[name] as string;
    return name.startsWith('desk.') ? escapeHtml(t(`desk:${name.slice(5)}`)) : '';
  });
}

/** Placeholders the desk template names that the page does not fill; refused at start. */
export function checkDeskTemplate(template: string, k: Knowledge): string[] {
  const words = flatten(k.locales['zh-CN'].desk);
  const fixed = new Set(['lang', 'otherLang', 'otherLangHref', 'config']);
  return [...template.matchAll(/\{\{([^}]+)\}\}/g)].map((m) => m[1] as string).filter((n) => !fixed.has(n) && !(n.startsWith('desk.') && words.has(n.slice(5))));
}
