import type { Outcome } from '../consult/outcome.js';
import { CALENDAR_YEARS } from '../dates/working-days.js';
import type { Translate } from '../i18n.js';
import type { Language } from '../knowledge/schema.js';
import { outcomeView } from '../conversation/outcome-view.js';
import type { CaseRecord } from '../cases/case-schema.js';
import { escapeHtml } from './html.js';
import { ACCESSIBLE_CONTROLS } from './page-style.js';

/** The tables as one block per row, each cell under its column's name: what fits a phone, and large text. */
function stackedTables(scope: string): string {
  return `${scope} table, ${scope} tbody, ${scope} tr, ${scope} td { display: block; width: auto; }
  ${scope} thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  ${scope} tr { border: 0.75pt solid #333; margin: 0 0 2mm; padding: 1mm 2mm; }
  ${scope} td { border: 0; padding: 0.5mm 0; text-align: left; overflow-wrap: anywhere; }
  ${scope} td.tick { width: auto; text-align: left; }
  ${scope} td[data-label]::before { content: attr(data-label); font-weight: bold; }`;
}

const STYLE = `
@page { size: A4; margin: 15mm 15mm 18mm 15mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "SimSun", sans-serif;
  font-size: 10.5pt; line-height: 1.5; color: #000; background: #fff; max-width: 180mm; margin: 0 auto; padding: 8mm 0; }
.large body { font-size: 16pt; max-width: 60em; }
h1 { font-size: 1.5em; margin: 0 0 2mm; }
h2 { font-size: 1.25em; margin: 6mm 0 2mm; border-bottom: 1.5pt solid #000; padding-bottom: 1mm; }
h3 { font-size: 1.05em; margin: 4mm 0 1.5mm; }
.reference { font-family: "DejaVu Sans Mono", "Consolas", monospace; font-size: 1.4em; font-weight: bold; letter-spacing: 0.5pt; }
.meta { margin: 0; }
table { width: 100%; border-collapse: collapse; margin: 1mm 0 2mm; }
th, td { border: 0.75pt solid #333; padding: 1.5mm 2mm; vertical-align: top; text-align: left; }
th { background: #eee; font-weight: bold; }
td.tick, th.tick { width: 12mm; text-align: center; }
.box { display: inline-block; width: 1.7em; height: 1.7em; border: 1pt solid #000; vertical-align: middle; }
tr, li { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
ol.steps { padding-left: 0; list-style: none; margin: 0; }
ol.steps li { margin: 0 0 1.2mm; }
.onfail { display: block; padding-left: 6mm; font-size: 0.9em; }
.note { font-size: 0.9em; margin: 1mm 0; }
footer { margin-top: 8mm; font-size: 0.86em; border-top: 0.75pt solid #999; padding-top: 2mm; }
nav { margin: 4mm 0 0; }
.hint { font-size: 0.9em; margin: 0 0 4mm; }
@media screen { body { padding: 8mm 16px; } ${stackedTables('.large')} }
@media screen and (max-width: 720px) { ${stackedTables('')} }
@media print { nav, .hint { display: none; } a { color: #000; text-decoration: none; } body { padding: 0; } }
${ACCESSIBLE_CONTROLS}`;

export interface ChecklistInput {
  c: CaseRecord;
  /** The outcome rebuilt from the case's answers; absent if the rules no longer reach one. */
  outcome?: Outcome;
  t: Translate;
  lang: Language;
  /** Today (Beijing), printed on the page. */
  printedOn: string;
  /** The last year whose holidays the calendar knows (the knowledge's calendar). */
  calendarLast?: number;
  /** 大字版: text at 150% and more, the tables one block per row. */
  large?: boolean;
}

/** The page's own address in another language or size; the case's key goes along, without which it does not open. */
function pageHref(c: CaseRecord, lang: Language, large: boolean): string {
  const query = new URLSearchParams({ key: c.checklistKey ?? '' });
  if (lang === 'en') query.set('lang', 'en');
  if (large) query.set('size', 'large');
  return `/cases/${c.reference}/checklist?${query.toString()}`;
}

/** A table row whose cells carry their column's name, shown before each cell when the rows are stacked; cell contents come escaped. */
function row(t: Translate, cells: [column: string, html: string, cls?: string][]): string {
  const cell = ([column, html, cls]: [string, string, string?]) =>
    `<td${cls ? ` class="${cls}"` : ''} data-label="${escapeHtml(t('ui:checklist.cellLabel', { label: column }))}">${html}</td>`;
  return `<tr>${cells.map(cell).join('')}</tr>`;
}

/**
 * A printable A4 page for the counter of the issuing authority: each material with its signature, stamp
 * and quantity and a box to tick, the steps, the expected dates, the contacts, and the reference.
 */
export function checklistHtml({ c, outcome, t, lang, printedOn, calendarLast = CALENDAR_YEARS.last, large = false }: ChecklistInput): string {
  const e = escapeHtml;
  const view = outcome ? outcomeView(outcome, t, lang) : undefined;
  const plans = outcome?.procedures.filter((p) => c.procedures.includes(p.id)) ?? [];
  const dash = '—';
  const body: string[] = [];

  body.push(`<header><h1>${e(t('ui:checklist.title'))}</h1>`);
  body.push(`<p class="meta">${e(t('ui:checklist.reference'))} <span class="reference">${e(c.reference)}</span></p>`);
  body.push(`<p class="meta">${e(t('ui:checklist.printedOn', { date: printedOn }))}</p>`);
  const other: Language = lang === 'en' ? 'zh-CN' : 'en';
  body.push(
    `<nav class="controls" aria-label="${e(t('ui:checklist.viewLabel'))}"><a href="${e(pageHref(c, other, large))}" hreflang="${other}" lang="${other}">${e(t('ui:checklist.otherLanguage'))}</a><a href="${e(pageHref(c, lang, !large))}">${e(t(large ? 'ui:checklist.normal' : 'ui:checklist.large'))}</a></nav>`,
  );
  body.push(`<p class="hint">${e(t('ui:checklist.printHint'))}</p></header>`);

  for (const plan of plans) {
    const pv = view?.procedures.find((p) => p.id === plan.id);
    if (!pv) continue;
    body.push(`<section><h2>${e(pv.heading)}</h2>`);
    body.push(`<h3>${e(t('ui:checklist.materials'))}</h3>`);
    if (plan.materials.length === 0) body.push(`<p>${e(t('ui:outcome.materialsNone'))}</p>`);
    else {
      body.push(
        `<table><thead><tr><th class="tick">${e(t('ui:checklist.colTick'))}</th><th>${e(t('ui:checklist.colMaterial'))}</th><th>${e(t('ui:checklist.colSignature'))}</th><th>${e(t('ui:checklist.colStamp'))}</th><th>${e(t('ui:checklist.colQuantity'))}</th><th>${e(t('ui:checklist.colOther'))}</th></tr></thead><tbody>`,
      );
      plan.materials.forEach((m, i) => {
        const extra = [
          m.upload ? t(m.upload.imageFormat ? 'common:requirement.uploadImage' : 'common:requirement.upload', { maxKB: m.upload.maxKB }) : undefined,
          m.bring ? t('common:requirement.bring') : t('ui:checklist.uploadOnly'),
        ].filter(Boolean);
        body.push(
          row(t, [
            [t('ui:checklist.colTick'), `<span class="box" role="img" aria-label="${e(t('ui:checklist.tickBox'))}"></span>`, 'tick'],
            [t('ui:checklist.colMaterial'), e(pv.materials[i]?.name)],
            [t('ui:checklist.colSignature'), e(m.signedBy ? t(`common:requirement.signedBy.${m.signedBy}`) : dash)],
            [t('ui:checklist.colStamp'), e(m.stamp ? t('common:requirement.stamp') : dash)],
            [t('ui:checklist.colQuantity'), e(t(`common:requirement.quantity.${m.quantity.unit}`, { count: m.quantity.count }))],
            [t('ui:checklist.colOther'), e(extra.join(t('ui:outcome.separator')))],
          ]),
        );
      });
      body.push('</tbody></table>');
    }
    body.push(`<h3>${e(t('ui:outcome.steps'))}</h3><ol class="steps">`);
    for (const s of pv.steps) body.push(`<li>${e(s.text)}${s.onFail ? `<span class="onfail">${e(s.onFail)}</span>` : ''}</li>`);
    body.push('</ol></section>');
  }
  if (view?.separate) body.push(`<p class="note">${e(t('ui:outcome.materialsSeparate'))}</p>`);

  if (c.expected.length > 0 && c.tracked) {
    body.push(
      `<section><h2>${e(t('ui:checklist.expected'))}</h2><table><thead><tr><th>${e(t('ui:checklist.colStage'))}</th><th>${e(t('ui:checklist.colDays'))}</th><th>${e(t('ui:checklist.colStart'))}</th><th>${e(t('ui:checklist.colEnd'))}</th></tr></thead><tbody>`,
    );
    for (const x of c.expected)
      body.push(
        row(t, [
          [t('ui:checklist.colStage'), e(t(`procedures:${c.tracked}.stages.${x.stage}`))],
          [t('ui:checklist.colDays'), e(t('common:workingDays', { count: x.workingDays }))],
          [t('ui:checklist.colStart'), e(x.start)],
          [t('ui:checklist.colEnd'), e(x.end)],
        ]),
      );
    body.push('</tbody></table>');
    body.push(`<p class="note">${e(t('ui:checklist.expectedBasis'))}</p>`);
    if (plans.some((p) => p.id === c.tracked && p.courierToAuthority)) body.push(`<p class="note">${e(t('ui:cases.courierNotIncluded'))}</p>`);
    if (c.expected.some((x) => !x.holidaysCounted)) body.push(`<p class="note">${e(t('ui:cases.noHolidayData', { year: calendarLast + 1 }))}</p>`);
    body.push('</section>');
  }

  const contacts = view ? [...new Set([...view.procedures.filter((p) => c.procedures.includes(p.id)).flatMap((p) => p.contacts), ...view.contacts])] : [];
  if (contacts.length > 0) {
    body.push(`<section><h2>${e(t('ui:outcome.contacts'))}</h2><ul>`);
    for (const line of contacts) body.push(`<li>${e(line)}</li>`);
    body.push('</ul></section>');
  }
  body.push(`<footer>${e(t('ui:checklist.footer', { reference: c.reference }))}</footer>`);

  return `<!doctype html>
<html lang="${e(lang)}"${large ? ' class="large"' : ''}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${e(t('ui:checklist.title'))} ${e(c.reference)}</title>
<style>${STYLE}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}

/** A short page for a reference that is malformed or unknown. */
export function checklistProblemHtml(title: string, text: string, lang: Language): string {
  const e = escapeHtml;
  return `<!doctype html>
<html lang="${e(lang)}"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${e(title)}</title><style>${STYLE}</style></head>
<body><h1>${e(title)}</h1><p>${e(text)}</p></body></html>
`;
}
