import type { IsoDate } from '../dates/beijing.js';
import type { CaseRecord } from './case-schema.js';

export interface CaseQuery {
  status?: string;
  procedure?: string;
  /** Creation dates (Beijing), inclusive. */
  from?: IsoDate;
  to?: IsoDate;
  /** Matched, ignoring case, against the reference, enterprise name, credit code, mobile, remarks and agents. */
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

export function matchesQuery(c: CaseRecord, q: CaseQuery): boolean {
  if (q.status && c.status !== q.status) return false;
  if (q.procedure && !c.procedures.includes(q.procedure)) return false;
  const created = `${c.reference.slice(3, 7)}-${c.reference.slice(7, 9)}-${c.reference.slice(9, 11)}`;
  if (q.from && created < q.from) return false;
  if (q.to && created > q.to) return false;
  if (q.callback !== undefined && (!!c.callback && !c.callback.doneAt) !== q.callback) return false;
  if (q.withContact && !c.contact && !c.transcript) return false;
  if (q.text) {
    const needle = q.text.normalize('NFKC').toLowerCase();
    const hay = [c.reference, c.contact?.enterpriseName, c.contact?.creditCode, c.contact?.mobile, ...c.history.flatMap((h) => [h.remark, h.agent])];
    if (!hay.some((v) => v?.toLowerCase().includes(needle))) return false;
  }
  return true;
}
