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
  /**
   * Stores a new case; `make` receives the reference, drawn unique in the store, for its Beijing date.
   * `client` (who asks: a conversation's key): the case counts against its allowance of new cases for the
   * day, where the store has one; past it CaseLimitError, and nothing is stored or counted.
   */
  create(make: (reference: string) => CaseRecord, date: IsoDate, client?: string): Promise<CaseRecord>;
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
 * What is known of a run of cases (a store's segment) for searching it, kept while the run holds the
 * very same records: a changed record is a new object, and only its run is worked out again.
 *   - the search texts joined in one string: one indexOf over it is many times faster than an includes
 *     per case (100,000 cases: about 10 ms against 80);
 *   - the 3- and 4-character pieces of that text, as bits of a filter: a word with a piece the run lacks
 *     is not looked for in it (most runs, for a name, a number or a code);
 *   - how many cases there are of each combination of the cheap fields (status, procedures, call-back
 *     waiting, contact held) and the first and last creation day: a search without words counts a run
 *     from these, without looking at its cases.
 */
interface RunIndex {
  records: CaseRecord[];
  text: string;
  starts: number[];
  /** Which 3- and 4-character pieces of the text may occur (a Bloom filter): a run lacking one of a word's pieces cannot hold it. */
  grams: Uint32Array;
  kinds: Kind[];
  firstDay: string;
  lastDay: string;
}
interface Kind {
  status: string;
  procedures: readonly string[];
  callback: boolean;
  contact: boolean;
  count: number;
}
const runs = new WeakMap<readonly CaseRecord[], RunIndex>();

/** The Beijing creation day of a case, as the reference carries it ("20261201"; createdAt is UTC). */
const createdDay = (c: CaseRecord): string => c.reference.slice(3, 11);
const callbackWaiting = (c: CaseRecord): boolean => !!c.callback && !c.callback.doneAt;
const holdsContact = (c: CaseRecord): boolean => !!c.contact || !!c.transcript;

function runIndex(cases: readonly CaseRecord[]): RunIndex {
  const known = runs.get(cases);
  if (known && known.records.length === cases.length && known.records.every((r, i) => r === cases[i])) return known;
  const starts: number[] = [];
  const kinds = new Map<string, Kind>();
  let at = 0;
  let firstDay = '99999999';
  let lastDay = '';
  const parts = cases.map((c) => {
    const hay = haystack(c);
    starts.push(at);
    at += hay.length + 1;
    const day = createdDay(c);
    if (day < firstDay) firstDay = day;
    if (day > lastDay) lastDay = day;
    const kind = { status: c.status, procedures: c.procedures, callback: callbackWaiting(c), contact: holdsContact(c), count: 0 };
    const key = `${kind.status}\u0000${kind.callback}\u0000${kind.contact}\u0000${kind.procedures.join('\u0000')}`;
    const seen = kinds.get(key) ?? kinds.set(key, kind).get(key)!;
    seen.count += 1;
    return hay;
  });
  const text = parts.join('\n');
  const made = { records: [...cases], text, starts, grams: gramFilter(text), kinds: [...kinds.values()], firstDay, lastDay };
  runs.set(cases, made);
  return made;
}

/** Bits of the gram filter: 64 Kbit (8 KB) a run of 100 cases, some 16,000 pieces, two bits each. */
const GRAM_BITS = 1 << 16;
const GRAM_MASK = GRAM_BITS - 1;

/** FNV-1a of the code units at..at+3, and of at..at+4 when `four`, each as two bit positions (double hashing). */
function gramBits(text: string, at: number, four: boolean): [number, number] {
  let h = 0x811c9dc5;
  const end = at + (four ? 4 : 3);
  for (let i = at; i < end; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return [h & GRAM_MASK, ((h >>> 16) | (h << 16)) & GRAM_MASK];
}

function gramFilter(text: string): Uint32Array {
  const bits = new Uint32Array(GRAM_BITS / 32);
  const set = ([a, b]: [number, number]) => {
    bits[a >>> 5]! |= 1 << (a & 31);
    bits[b >>> 5]! |= 1 << (b & 31);
  };
  for (let at = 0; at + 3 <= text.length; at += 1) {
    set(gramBits(text, at, false));
    if (at + 4 <= text.length) set(gramBits(text, at, true));
  }
  return bits;
}

/** The bit positions of a word's pieces (4 characters; 3 for a word of 3), worked out once a search; none for a shorter word. */
function needleBits(needle: string): number[] {
  if (needle.length < 3) return [];
  const size = needle.length >= 4 ? 4 : 3;
  const out: number[] = [];
  for (let at = 0; at + size <= needle.length; at += 1) out.push(...gramBits(needle, at, size === 4));
  return out;
}

/** False when the run cannot hold the word: a bit of one of its pieces is not set. */
function mayHold(bits: Uint32Array, wanted: readonly number[]): boolean {
  for (const b of wanted) if (((bits[b >>> 5] as number) & (1 << (b & 31))) === 0) return false;
  return true;
}

/** Indices in `cases` whose search text holds `needle` (folded, without line breaks), added to `hits`. */
function textHits(cases: readonly CaseRecord[], needle: string, wanted: readonly number[], hits: Set<number>): Set<number> {
  const { text, starts, grams } = runIndex(cases);
  if (!mayHold(grams, wanted)) return hits;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= at) lo = mid;
      else hi = mid - 1;
    }
    hits.add(lo);
    // The next hit in another case: a case found once need not be found again.
    at = (starts[lo + 1] ?? text.length) - 1;
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

/** What a query asks of a run of cases, prepared once for a whole scan. */
export interface CaseMatcher {
  test: (c: CaseRecord) => boolean;
  /** Calls `found` for each match of the run, newest first, until it answers false. */
  scan: (cases: readonly CaseRecord[], found: (c: CaseRecord) => boolean | void) => void;
  /** How many cases of the run match, when that is known without looking at them (no words asked, the run inside the dates). */
  count: (cases: readonly CaseRecord[]) => number | undefined;
  /** The text is a reference: only that case can match (a store with an index by reference looks it up). */
  reference: string | undefined;
}

/**
 * The test of a query; `scan` tests a run of cases (a segment) at once, the text search by one look
 * over their joined texts, and `count` counts a run from its index when the query has no words.
 */
export function caseMatcher(q: CaseQuery): CaseMatcher {
  const statuses = ids(q.status);
  const procedures = ids(q.procedure);
  const wanted = procedures && new Set(procedures);
  const text = q.text?.trim();
  // Control characters never occur in the joined texts' words: they would only match across fields.
  const needle = text
    ? fold(text)
        .replace(/\s+/g, ' ')
        .replace(/\p{Cc}/gu, '')
    : undefined;
  const reference = text ? parseReference(text) : undefined;
  const digits = text ? phoneDigits(text) : undefined;
  const needlePieces = needle ? needleBits(needle) : [];
  const digitPieces = digits ? needleBits(digits) : [];
  const from = q.from?.replaceAll('-', '');
  const to = q.to?.replaceAll('-', '');
  /** The cheap fields, the same test for a case and for a kind of cases of a run's index. */
  const fields = (status: string, names: readonly string[], callback: boolean, contact: boolean): boolean => {
    if (statuses && !statuses.includes(status)) return false;
    if (wanted && !names.some((p) => wanted.has(p))) return false;
    if (q.callback !== undefined && callback !== q.callback) return false;
    if (q.withContact && !contact) return false;
    return true;
  };
  const rest = (c: CaseRecord): boolean => {
    if (from || to) {
      const created = createdDay(c);
      if (from && created < from) return false;
      if (to && created > to) return false;
    }
    return fields(c.status, c.procedures, callbackWaiting(c), holdsContact(c));
  };
  // A number as written is looked for by its digits too: the mobile number is in the search text as 11 digits.
  const byText = (c: CaseRecord, hit: boolean): boolean => (reference ? c.reference === reference : hit);
  const holds = (c: CaseRecord): boolean => !!needle && (haystack(c).includes(needle) || (!!digits && haystack(c).includes(digits)));
  const test = (c: CaseRecord): boolean => rest(c) && (needle === undefined || byText(c, holds(c)));
  const scan = (cases: readonly CaseRecord[], found: (c: CaseRecord) => boolean | void): void => {
    if (needle && !reference) {
      const hits = textHits(cases, needle, needlePieces, new Set());
      if (digits && digits !== needle) textHits(cases, digits, digitPieces, hits);
      // Only the cases holding the words are looked at, newest first.
      for (const i of [...hits].sort((a, b) => b - a)) {
        const c = cases[i] as CaseRecord;
        if (rest(c) && found(c) === false) return;
      }
      return;
    }
    for (let i = cases.length - 1; i >= 0; i -= 1) {
      const c = cases[i] as CaseRecord;
      if (needle !== undefined && !byText(c, false)) continue;
      if (rest(c) && found(c) === false) return;
    }
  };
  const count = (cases: readonly CaseRecord[]): number | undefined => {
    if (needle !== undefined) return undefined;
    const run = runIndex(cases);
    if (cases.length === 0 || (from && run.lastDay < from) || (to && run.firstDay > to)) return 0;
    if ((from && run.firstDay < from) || (to && run.lastDay > to)) return undefined;
    let n = 0;
    for (const k of run.kinds) if (fields(k.status, k.procedures, k.callback, k.contact)) n += k.count;
    return n;
  };
  return { test, scan, count, reference };
}

export function matchesQuery(c: CaseRecord, q: CaseQuery): boolean {
  return caseMatcher(q).test(c);
}
