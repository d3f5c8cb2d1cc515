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
  /** Only cases that still hold contact details. */
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
    hay = fold([c.reference, c.contact?.enterpriseName, c.contact?.creditCode, c.contact?.mobile, ...c.history.flatMap((h) => [h.remark, h.agent])].filter(Boolean).join('\u0000'));
    haystacks.set(c, hay);
  }
  return hay;
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

/** The test of a query, prepared once for a whole scan. */
export function caseMatcher(q: CaseQuery): (c: CaseRecord) => boolean {
  const statuses = ids(q.status);
  const procedures = ids(q.procedure);
  const text = q.text?.trim();
  const needle = text ? fold(text).replace(/\s+/g, ' ') : undefined;
  const reference = text ? parseReference(text) : undefined;
  const digits = text ? phoneDigits(text) : undefined;
  return (c) => {
    if (statuses && !statuses.includes(c.status)) return false;
    if (procedures && !c.procedures.some((p) => procedures.includes(p))) return false;
    // The reference carries the Beijing creation date (createdAt is UTC).
    const created = `${c.reference.slice(3, 7)}-${c.reference.slice(7, 9)}-${c.reference.slice(9, 11)}`;
    if (q.from && created < q.from) return false;
    if (q.to && created > q.to) return false;
    if (q.callback !== undefined && (!!c.callback && !c.callback.doneAt) !== q.callback) return false;
    if (q.withContact && !c.contact) return false;
    if (needle !== undefined) {
      if (reference) return c.reference === reference;
      if (digits && c.contact?.mobile?.includes(digits)) return true;
      if (!haystack(c).includes(needle)) return false;
    }
    return true;
  };
}

export function matchesQuery(c: CaseRecord, q: CaseQuery): boolean {
  return caseMatcher(q)(c);
}
