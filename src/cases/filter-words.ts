import type { Translate } from '../i18n.js';
import type { Knowledge } from '../knowledge/model.js';
import { LANGUAGES, type Language } from '../knowledge/schema.js';
import { lifecycleText } from './lifecycle.js';

export type FilterKind = 'procedure' | 'status';

/** A procedure or status filter that names nothing: said to the agent with the words it may use. */
export class FilterWordError extends Error {
  constructor(
    readonly kind: FilterKind,
    readonly word: string,
    readonly known: string[],
  ) {
    super(`no ${kind} is called "${word}"`);
    this.name = 'FilterWordError';
  }
}

const fold = (s: string): string => s.normalize('NFKC').toLowerCase().replace(/\s+/g, '');

type Table = { id: string; words: string[] }[];
const tables = new WeakMap<Knowledge, Map<string, Table>>();

/**
 * Every id of a kind with its words in every language: procedure titles, status labels in every wording.
 * The words come from the knowledge's own locales, so one table serves each Knowledge.
 */
function table(k: Knowledge, words: (lang: Language) => Translate, kind: FilterKind): Table {
  const byKind = tables.get(k) ?? new Map<string, Table>();
  tables.set(k, byKind);
  const cached = byKind.get(kind);
  if (cached) return cached;
  const ts = LANGUAGES.map(words);
  const found = new Map<string, Set<string>>();
  const add = (id: string, word: string) => (found.get(id) ?? found.set(id, new Set([fold(id)])).get(id))?.add(fold(word));
  if (kind === 'procedure') {
    for (const id of k.procedures.keys()) for (const t of ts) add(id, t(`procedures:${id}.title`));
  } else {
    for (const lc of k.lifecycles.values())
      for (const s of lc.statuses)
        for (const tracked of [undefined, ...lc.procedures]) for (const t of ts) add(s.id, lifecycleText(k, t, { lifecycle: lc.id, tracked }, 'statuses', s.id));
  }
  const built = [...found].map(([id, w]) => ({ id, words: [...w] }));
  byKind.set(kind, built);
  return built;
}

/**
 * The ids an agent's word names, for the procedure and status filters of the API, the CLI and the desk:
 * an id as it is ("replacement", "submitted"), or a whole or a part of a title or status label in either
 * language ("补办", "E-key replacement", "核验未通过"); `words` gives a language's translator. Several ids
 * when the words are shared (核验未通过 is a status of two lifecycles); FilterWordError when none.
 */
export function filterIds(k: Knowledge, words: (lang: Language) => Translate, kind: FilterKind, word: string): string[] {
  const w = fold(word);
  const rows = table(k, words, kind);
  const exact = rows.find((r) => fold(r.id) === w);
  if (exact) return [exact.id];
  const whole = rows.filter((r) => r.words.includes(w));
  const found = whole.length > 0 ? whole : rows.filter((r) => w.length > 0 && r.words.some((x) => x.includes(w)));
  if (found.length === 0)
    throw new FilterWordError(
      kind,
      word,
      rows.map((r) => r.id),
    );
  return found.map((r) => r.id);
}

/** The refusal of a FilterWordError, in the agent's language. */
export function filterWordMessage(t: Translate, err: FilterWordError): string {
  const kind = err.kind === 'procedure' ? t('ui:agentApi.filterKind_procedure') : t('ui:agentApi.filterKind_status');
  return t('ui:agentApi.unknownFilter', { kind, word: err.word, known: err.known.join(', ') });
}
