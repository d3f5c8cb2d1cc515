import type { Outcome } from '../consult/outcome.js';
import type { Translate } from '../i18n.js';
import { escapeMarkdown, unescapeMarkdown } from './markdown-escape.js';
import { outcomeView, type OutcomeView, type PageLinks, type ProcedureView } from './outcome-view.js';

/** Every text of a view escaped for Markdown; the addresses of links are kept as they are. */
function escaped<T>(value: T): T {
  if (typeof value === 'string') return escapeMarkdown(value) as T;
  if (Array.isArray(value)) return value.map(escaped) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'url' ? v : escaped(v)])) as T;
  return value;
}

/** Procedure views are shared and frozen: each is escaped once. */
const escapedProcedures = new WeakMap<ProcedureView, ProcedureView>();
function escapedProcedure(p: ProcedureView): ProcedureView {
  let e = escapedProcedures.get(p);
  if (!e) escapedProcedures.set(p, (e = escaped(p)));
  return e;
}

function escapedView(v: OutcomeView): OutcomeView {
  const { procedures, ...rest } = v;
  return { ...escaped(rest), procedures: procedures.map(escapedProcedure) };
}

function section(title: string, lines: string[], bullet = '- '): string[] {
  return lines.length === 0 ? [] : ['', `**${title}**`, ...lines.map((l) => `${bullet}${l}`)];
}

function procedureMarkdown(p: ProcedureView, t: Translate, courierToAuthority: boolean): string[] {
  const steps = p.steps.flatMap((s) => [s.text, ...(s.onFail ? [`   ${s.onFail}`] : [])]);
  const times = p.times.length === 0 ? [t('ui:outcome.noTimes')] : [...p.times.map((x) => `- ${x}`), ...(courierToAuthority ? [t('ui:outcome.courierToAuthority')] : [])];
  return [
    '',
    `### ${p.heading}`,
    t('ui:outcome.applies', { text: p.applies }),
    ...(p.flowchart ? [t('ui:outcome.flowchart', p.flowchart)] : []),
    '',
    `**${t('ui:outcome.steps')}**`,
    ...steps,
    ...(p.materials.length === 0 ? ['', `**${t('ui:outcome.materials')}**`, t('ui:outcome.materialsNone')] : section(t('ui:outcome.materials'), p.materials.map((m) => m.text), '- [ ] ')),
    '',
    `**${t('ui:outcome.times')}**`,
    ...times,
    ...section(t('ui:outcome.notes'), p.notes),
    ...section(t('ui:outcome.passwords'), p.passwords),
    ...(p.passwords.length ? [t('ui:outcome.passwordsNotPin')] : []),
    ...section(t('ui:outcome.contacts'), p.contacts),
    ...section(t('ui:outcome.related'), p.related),
  ];
}

/** The whole outcome as Markdown; it also reads well as plain text. */
export function outcomeMarkdown(o: Outcome, t: Translate, links?: PageLinks): string {
  const v = escapedView(outcomeView(o, t, links));
  const lines = [`## ${v.title}`, v.summary, ...section(t('ui:outcome.why'), v.why)];
  if (v.notYet) lines.push('', v.notYet);
  if (v.guide) lines.push('', `**${v.guide.title}**`, ...v.guide.steps);
  if (v.passwords.length) lines.push(...section(t('ui:outcome.passwords'), v.passwords), t('ui:outcome.passwordsNotPin'));
  o.procedures.forEach((p, i) => lines.push(...procedureMarkdown(v.procedures[i] as ProcedureView, t, p.courierToAuthority)));
  if (v.separate) lines.push('', t('ui:outcome.materialsSeparate'));
  lines.push(...section(t('ui:outcome.contacts'), v.contacts));
  return lines.join('\n');
}

/**
 * Markdown without its marks, for a terminal or a plain-text channel: a link becomes its words and its
 * address, which WeChat and terminals show as a link of their own.
 */
export function toPlainText(markdown: string): string {
  return markdown
    .replace(/\*\*(.+?)\*\*/g, '$1')
    .replace(/^#{2,3} /gm, '')
    .replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, '$1 $2')
    .split('\n')
    .map(unescapeMarkdown)
    .join('\n');
}
