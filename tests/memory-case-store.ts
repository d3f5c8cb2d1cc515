import type { CaseRecord } from '../src/cases/case-schema.js';
import { CaseNotFoundError } from '../src/cases/errors.js';
import { newReference } from '../src/cases/reference.js';
import { type CasePage, type CaseQuery, type CaseStore, matchesQuery } from '../src/cases/store.js';
import type { IsoDate } from '../src/dates/beijing.js';

/** Cases in memory, behind the store's interface: for tests that run thousands of turns without a disk. */
export class MemoryCaseStore implements CaseStore {
  readonly cases = new Map<string, CaseRecord>();

  async create(make: (reference: string) => CaseRecord, date: IsoDate): Promise<CaseRecord> {
    const reference = newReference((ref) => this.cases.has(ref), date);
    const record = make(reference);
    this.cases.set(reference, structuredClone(record));
    return structuredClone(record);
  }

  async get(reference: string): Promise<CaseRecord | undefined> {
    const c = this.cases.get(reference);
    return c && structuredClone(c);
  }

  async update(reference: string, change: (current: CaseRecord) => CaseRecord): Promise<CaseRecord> {
    const c = this.cases.get(reference);
    if (!c) throw new CaseNotFoundError(reference);
    const next = change(structuredClone(c));
    this.cases.set(reference, structuredClone(next));
    return structuredClone(next);
  }

  async list(q: CaseQuery): Promise<CasePage> {
    const all = [...this.cases.values()].filter((c) => matchesQuery(c, q)).reverse();
    return { items: all.slice(q.offset, q.offset + q.limit).map((c) => structuredClone(c)), total: all.length };
  }

  async close(): Promise<void> {}
}
