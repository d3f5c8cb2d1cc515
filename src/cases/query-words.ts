import type { Translate } from '../i18n.js';
import type { Knowledge } from '../knowledge/model.js';
import { LANGUAGES, type Language } from '../knowledge/schema.js';

const fold = (s: string) => s.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');

/** The id whose words are given: the id itself, else a label equal to them, else the one label that contains them. */
function pick(word: string, candidates: { id: string; labels: string[] }[]): string | undefined {
  const w = fold(word);
  if (!w) return undefined;
  const byId = candidates.find((c) => fold(c.id) === w);
  if (byId) return byId.id;
  const exact = candidates.find((c) => c.labels.some((l) => fold(l) === w));
  if (exact) return exact.id;
  const partial = [...new Set(candidates.filter((c) => c.labels.some((l) => fold(l).includes(w))).map((c) => c.id))];
  return partial.length === 1 ? partial[0] : undefined;
}

/**
 * A status or a procedure named by its id or by its words in either language ("补办", "Rejected",
 * "已驳回"), as the case queries take them; undefined when nothing (or more than one thing) is meant.
 */
export function statusId(k: Knowledge, t: (lang: Language) => Translate, word: string): string | undefined {
  const candidates = [...k.lifecycles.values()].flatMap((lc) =>
    lc.statuses.map((s) => ({
      id: s.id,
      labels: LANGUAGES.flatMap((lang) => [
        t(lang)(`lifecycle:${lc.id}.statuses.${s.id}`),
        ...Object.values(lc.wording?.byProcedure ?? {}).map((context) => t(lang)(`lifecycle:${lc.id}.statuses.${s.id}`, { context })),
      ]),
    })),
  );
  return pick(word, candidates);
}

export function procedureId(k: Knowledge, t: (lang: Language) => Translate, word: string): string | undefined {
  const candidates = [...k.procedures.keys()].map((id) => ({ id, labels: LANGUAGES.map((lang) => t(lang)(`procedures:${id}.title`)) }));
  return pick(word, candidates);
}

/**
 * What a search box's text is looked for as: a phone number as people write it ("138 1234 5678",
 * "+86 138-1234-5678", full-width digits) becomes its digits, so that it finds the number as stored.
 */
export function searchText(text: string): string {
  const t = text.normalize('NFKC').trim();
  if (!/^[\d\s\-+().（）]+$/.test(t) || !/\d{3}/.test(t)) return t;
  return t.replace(/\D+/g, '').replace(/^86(?=1\d{10}$)/, '');
}
