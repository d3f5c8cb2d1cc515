import type { IsoDate } from '../dates/beijing.js';
import type { CaseRecord } from './case-schema.js';
import { parseReference } from './reference.js';

export interface CaseQuery {
  /** Status ids: a case at any of them (a word may name the same status of several lifecycles). */
  status?: string | readonly string[];
  /** Procedure ids: a case naming any of them. */
  procedure?: string | readonly string[];
  /** Creation dates (Beijing), inclusive. */
  from?: IsoDate;
  to?: IsoDate;
  /**
   * Matched, ignoring case and full-width forms, against the reference, enterprise name, credit code,
   * mobile, remarks and agents; a mobile number as people write it ("138 1234 5678", "+86 138-…", a part
   * of it) is matched on its digits.
   */
  text?: string;
  /** Only cases waiting for a call-back. */
  callback?: boolean;
  /** Only cases that still hold contact details (or a transcript, personal data as well). */
  withContact?: boolean;
  offset: number;
  limit: number;
}

export interface CasePage {
  items: CaseRecord[];
  total: number;
}

/**
 * Where cases live. Small on purpose, so that a database can replace the files: every write is a
 * whole-record change applied under the store's own serialisation, and readers get copies.
 */
export interface CaseStore {
  /** Stores a new case; `make` receives the reference, drawn unique in the store, for its Beijing date. */
  create(make: (reference: string) => CaseRecord, date: IsoDate): Promise<CaseRecord>;
  get(reference: string): Promise<CaseRecord | undefined>;
  /** Reads the freshest record, applies `change` and stores the result; `change` may throw to refuse. */
  update(reference: string, change: (current: CaseRecord) => CaseRecord): Promise<CaseRecord>;
  /** Newest first. */
  list(query: CaseQuery): Promise<CasePage>;
  /** Leaves no earlier version of any case on the disk (after erasing personal data): a store without history need not. */
  purge?(): Promise<void>;
  close(): Promise<void>;
}

const fold = (s: string): string => s.normalize('NFKC').toLowerCase();

/** What a case's text search looks at, folded once per stored version of the record. */
const haystacks = new WeakMap<CaseRecord, string>();
function haystack(c: CaseRecord): string {
  let hay = haystacks.get(c);
  if (hay === undefined) {
    hay = fold(
      [c.reference, c.contact?.enterpriseName, c.contact?.creditCode, c.contact?.mobile, c.agent, ...c.history.flatMap((h) => [h.remark, h.agent])].filter(Boolean).join('\u0000'),
    );
    haystacks.set(c, hay);
  }
  return hay;
}

/**
 * The search texts of a run of cases (a store's segment) joined in one string: one indexOf over it is
 * many times faster than an includes per case (100,000 cases: about 10 ms against 80). Kept while the
 * run holds the very same records; a changed record is a new object, and the text is joined again.
 */
interface Joined {
  records: CaseRecord[];
  text: string;
  starts: number[];
}
const joined = new WeakMap<readonly CaseRecord[], Joined>();
function joinedOf(cases: readonly CaseRecord[]): Joined {
  const known = joined.get(cases);
  if (known && known.records.length === cases.length && known.records.every((r, i) => r === cases[i])) return known;
  const starts: number[] = [];
  let at = 0;
  const parts = cases.map((c) => {
    const hay = haystack(c);
    starts.push(at);
    at += hay.length + 1;
    return hay;
  });
  const made = { records: [...cases], text: parts.join('\n'), starts };
  joined.set(cases, made);
  return made;
}

/** Indices in `cases` whose search text holds `needle` (folded, without line breaks). */
function textHits(cases: readonly CaseRecord[], needle: string): Set<number> {
  const { text, starts } = joinedOf(cases);
  const hits = new Set<number>();
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= at) lo = mid;
      else hi = mid - 1;
    }
    hits.add(lo);
  }
  return hits;
}

/** The digits of a mobile number as written ("+86 138-1234 5678", "（138）1234"), or undefined when the text is not one. */
export function phoneDigits(text: string): string | undefined {
  const t = text.normalize('NFKC').trim();
  if (!/^[+\d\s\-().]+$/.test(t)) return undefined;
  let digits = t.replace(/\D/g, '');
  if (/^(\+|00)86/.test(t.replace(/[\s\-().]/g, ''))) digits = digits.replace(/^(00)?86/, '');
  else if (digits.length === 13 && digits.startsWith('86')) digits = digits.slice(2);
  return digits.length >= 3 ? digits : undefined;
}

const ids = (v: string | readonly string[] | undefined): readonly string[] | undefined => (v === undefined ? undefined : typeof v === 'string' ? [v] : v);

/**
 * The test of a query, prepared once for a whole scan; `scan` tests a run of cases (a segment) at once,
 * the text search by one look over their joined texts, and calls `found` for each match, newest first.
 */
export function caseMatcher(q: CaseQuery): { test: (c: CaseRecord) => boolean; scan: (cases: readonly CaseRecord[], found: (c: CaseRecord) => void) => void } {
  const statuses = ids(q.status);
  const procedures = ids(q.procedure);
  const wanted = procedures && new Set(procedures);
  const named = (c: CaseRecord): boolean => {
    for (const p of c.procedures) if (wanted?.has(p)) return true;
    return false;
  };
  const text = q.text?.trim();
  // Control characters never occur in the joined texts' words: they would only match across fields.
  const needle = text
    ? fold(text)
        .replace(/\s+/g, ' ')
        .replace(/\p{Cc}/gu, '')
    : undefined;
  const reference = text ? parseReference(text) : undefined;
  const digits = text ? phoneDigits(text) : undefined;
  const from = q.from?.replaceAll('-', '');
  const to = q.to?.replaceAll('-', '');
  const rest = (c: CaseRecord): boolean => {
    if (statuses && !statuses.includes(c.status)) return false;
    if (wanted && !named(c)) return false;
    if (from || to) {
      // The reference carries the Beijing creation date (createdAt is UTC).
      const created = c.reference.slice(3, 11);
      if (from && created < from) return false;
      if (to && created > to) return false;
    }
    if (q.callback !== undefined && (!!c.callback && !c.callback.doneAt) !== q.callback) return false;
    if (q.withContact && !c.contact && !c.transcript) return false;
    return true;
  };
  // A number as written is looked for by its digits too: the mobile number is in the search text as 11 digits.
  const byText = (c: CaseRecord, hit: boolean): boolean => (reference ? c.reference === reference : hit);
  const holds = (c: CaseRecord): boolean => !!needle && (haystack(c).includes(needle) || (!!digits && haystack(c).includes(digits)));
  const test = (c: CaseRecord): boolean => rest(c) && (needle === undefined || byText(c, holds(c)));
  const scan = (cases: readonly CaseRecord[], found: (c: CaseRecord) => void): void => {
    let hits: Set<number> | undefined;
    if (needle && !reference) {
      hits = textHits(cases, needle);
      if (digits) for (const i of textHits(cases, digits)) hits.add(i);
      // Nothing in the run holds the words: skip it whole.
      if (hits.size === 0) return;
    }
    for (let i = cases.length - 1; i >= 0; i -= 1) {
      const c = cases[i] as CaseRecord;
      if (needle !== undefined && !byText(c, hits?.has(i) ?? false)) continue;
      if (rest(c)) found(c);
    }
  };
  return { test, scan };
}

export function matchesQuery(c: CaseRecord, q: CaseQuery): boolean {
  return caseMatcher(q).test(c);
}
