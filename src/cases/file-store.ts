import { readdirSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import type { IsoDate } from '../dates/beijing.js';
import { CaseRecord, type SegmentData } from './case-schema.js';
import { CaseNotFoundError, CaseStoreError } from './errors.js';
import { newReference, parseReference, referenceDate } from './reference.js';
import { SegmentFile, sameStamp } from './segment-file.js';
import { StoreLock } from './store-lock.js';
import { type CasePage, type CaseQuery, type CaseStore, matchesQuery } from './store.js';

/**
 * How many cases one file holds. A write rewrites one file, so this bounds the cost of every create and
 * update whatever the number of cases stored (see docs/cases.md and `npm run bench:cases`).
 */
export const SEGMENT_CAPACITY = 100;

const MONTH_DIR = /^\d{4}-\d{2}$/;
const SEGMENT_NAME = /^(\d{4})\.json$/;

interface PendingCreate {
  make: (reference: string) => CaseRecord;
  date: IsoDate;
  resolve: (record: CaseRecord) => void;
  reject: (err: unknown) => void;
}

interface Segment {
  month: string;
  seq: number;
  file: SegmentFile;
  db: Low<SegmentData>;
}

function segmentName(seq: number): string {
  return `${String(seq).padStart(4, '0')}.json`;
}

/**
 * The cases in EKEY_DATA_DIR/cases, one lowdb database per segment:
 *
 *     cases/2026-11/0000.json   the first 100 cases created in November 2026 (Beijing time)
 *     cases/2026-11/0001.json   the next 100 ...
 *
 * A reference carries its creation date, so its month folder is known; new cases go into the month's
 * last segment until it is full. Every case is kept in memory (lowdb's way); writes are serialised in
 * the process and, through a lock file, with other processes (the `npm run cases` CLI), and each write
 * first re-reads its segment if another process changed it, so no writer loses another's change.
 */
export class FileCaseStore implements CaseStore {
  private readonly root: string;
  private readonly lock: StoreLock;
  private readonly months = new Map<string, Segment[]>();
  private readonly index = new Map<string, Segment>();
  private tail: Promise<unknown> = Promise.resolve();
  private readonly pending: PendingCreate[] = [];
  private rootMade = false;

  private constructor(
    dataDir: string,
    private readonly capacity: number,
  ) {
    this.root = join(dataDir, 'cases');
    this.lock = new StoreLock(join(this.root, '.lock'));
  }

  /** Opens the store, reading and checking every file: a file that fails stops here with its name. */
  static async open(dataDir: string, options: { segmentCapacity?: number } = {}): Promise<FileCaseStore> {
    const store = new FileCaseStore(dataDir, options.segmentCapacity ?? SEGMENT_CAPACITY);
    await store.refreshAll();
    return store;
  }

  get size(): number {
    return this.index.size;
  }

  /**
   * Creates arriving while a write is under way wait for it and are then written together, one write per
   * segment they fill (group commit): under load the fsync is shared, not queued once per case.
   */
  create(make: (reference: string) => CaseRecord, date: IsoDate): Promise<CaseRecord> {
    return new Promise((resolve, reject) => {
      this.pending.push({ make, date, resolve, reject });
      if (this.pending.length !== 1) return;
      let taken = false;
      void this.serial(true, () => {
        taken = true;
        return this.createPending();
      }).catch((err) => {
        // The folder or the lock failed (a full disk, a lock held too long) before the batch was taken:
        // its creates fail, rather than wait forever with every create after them.
        if (!taken) for (const p of this.pending.splice(0)) p.reject(err);
      });
    });
  }

  private async createPending(): Promise<void> {
    const batch = this.pending.splice(0);
    const months = new Map<string, PendingCreate[]>();
    for (const p of batch) months.set(p.date.slice(0, 7), [...(months.get(p.date.slice(0, 7)) ?? []), p]);
    for (const [month, creates] of months) {
      try {
        await this.refreshMonth(month);
        const taken = new Set<string>();
        const made: { p: PendingCreate; record: CaseRecord }[] = [];
        for (const p of creates) {
          try {
            const reference = newReference((ref) => this.index.has(ref) || taken.has(ref), p.date);
            taken.add(reference);
            made.push({ p, record: this.check(p.make(reference), reference) });
          } catch (err) {
            p.reject(err);
          }
        }
        const segments = [...(this.months.get(month) ?? [])];
        const placed = new Map<Segment, { p: PendingCreate; record: CaseRecord }[]>();
        for (const m of made) {
          let segment = segments.at(-1);
          const room = segment ? segment.db.data.cases.length + (placed.get(segment)?.length ?? 0) : this.capacity;
          if (!segment || room >= this.capacity) segments.push((segment = this.segment(month, (segment?.seq ?? -1) + 1)));
          placed.set(segment, [...(placed.get(segment) ?? []), m]);
        }
        for (const [segment, items] of placed) {
          try {
            await this.save(segment, [...segment.db.data.cases, ...items.map((i) => i.record)]);
          } catch (err) {
            for (const i of items) i.p.reject(err);
            continue;
          }
          const known = this.months.get(month) ?? [];
          if (!known.includes(segment)) this.months.set(month, [...known, segment]);
          for (const i of items) {
            this.index.set(i.record.reference, segment);
            i.p.resolve(structuredClone(i.record));
          }
        }
      } catch (err) {
        for (const p of creates) p.reject(err);
      }
    }
  }

  async get(reference: string): Promise<CaseRecord | undefined> {
    return this.serial(false, async () => {
      const segment = await this.locate(reference);
      const found = segment?.db.data.cases.find((c) => c.reference === reference);
      return found && structuredClone(found);
    });
  }

  async update(reference: string, change: (current: CaseRecord) => CaseRecord): Promise<CaseRecord> {
    return this.serial(true, async () => {
      const segment = await this.locate(reference);
      const cases = segment?.db.data.cases ?? [];
      const at = cases.findIndex((c) => c.reference === reference);
      if (!segment || at < 0) throw new CaseNotFoundError(reference);
      const record = this.check(change(structuredClone(cases[at] as CaseRecord)), reference);
      await this.save(segment, cases.map((c, i) => (i === at ? record : c)));
      return structuredClone(record);
    });
  }

  async list(q: CaseQuery): Promise<CasePage> {
    return this.serial(false, () => this.scan(q));
  }

  private async scan(q: CaseQuery): Promise<CasePage> {
    await this.refreshAll();
    const items: CaseRecord[] = [];
    let total = 0;
    const months = [...this.months.keys()].sort().reverse();
    for (const month of months) {
      // Whole months outside the date range are skipped without looking at their cases.
      if (q.from && `${month}-31` < q.from) continue;
      if (q.to && `${month}-01` > q.to) continue;
      const segments = this.months.get(month) ?? [];
      for (let s = segments.length - 1; s >= 0; s -= 1) {
        const cases = (segments[s] as Segment).db.data.cases;
        for (let i = cases.length - 1; i >= 0; i -= 1) {
          const c = cases[i] as CaseRecord;
          if (!matchesQuery(c, q)) continue;
          if (total >= q.offset && items.length < q.limit) items.push(structuredClone(c));
          total += 1;
        }
      }
    }
    return { items, total };
  }

  async close(): Promise<void> {
    await this.tail.catch(() => undefined);
  }

  /**
   * One operation at a time in this process, reads included: a read that re-read a segment while this
   * process was writing it could otherwise put the old version back in memory. Writes also hold the
   * lock file, against other processes.
   */
  private serial<T>(writes: boolean, fn: () => Promise<T>): Promise<T> {
    const run = this.tail
      .catch(() => undefined)
      .then(async () => {
        if (!writes) return fn();
        this.rootMade ||= (await mkdir(this.root, { recursive: true }), true);
        return this.lock.run(fn);
      });
    this.tail = run;
    return run;
  }

  /** Nothing that fails the schema is ever written: it would stop the next start-up. */
  private check(record: CaseRecord, reference: string): CaseRecord {
    const parsed = CaseRecord.safeParse(record);
    if (!parsed.success) throw new Error(`case ${reference} does not match the case schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (parsed.data.reference !== reference) throw new Error(`case ${reference} cannot change its reference`);
    return parsed.data;
  }

  private segment(month: string, seq: number): Segment {
    const path = join(this.root, month, segmentName(seq));
    const file = new SegmentFile(path, path);
    return { month, seq, file, db: new Low<SegmentData>(file, { format: 1, month, cases: [] }) };
  }

  private async save(segment: Segment, cases: CaseRecord[]): Promise<void> {
    const before = segment.db.data;
    segment.db.data = { format: 1, month: segment.month, cases };
    try {
      await segment.db.write();
    } catch (err) {
      segment.db.data = before;
      throw err;
    }
  }

  private async locate(reference: string): Promise<Segment | undefined> {
    if (!parseReference(reference) || parseReference(reference) !== reference) return undefined;
    const known = this.index.get(reference);
    if (known) {
      await this.refreshSegment(known);
      return known;
    }
    await this.refreshMonth(referenceDate(reference).slice(0, 7));
    return this.index.get(reference);
  }

  /** Re-reads a segment another process has rewritten since this one last read or wrote it. */
  private async refreshSegment(segment: Segment): Promise<void> {
    if (sameStamp(segment.file.stamp, await segment.file.current())) return;
    await segment.db.read();
    this.checkSegment(segment);
    for (const c of segment.db.data.cases) this.index.set(c.reference, segment);
  }

  /** Picks up the segments another process started in a month, and the month's last one. */
  private async refreshMonth(month: string): Promise<void> {
    let names: string[];
    try {
      // Before every create: a listing of a few dozen names, made in place (see writeFileAtomic).
      names = readdirSync(join(this.root, month));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const known = this.months.get(month) ?? [];
    const seqs = names.flatMap((n) => {
      const m = SEGMENT_NAME.exec(n);
      return m ? [Number(m[1])] : [];
    });
    const fresh = seqs.filter((seq) => !known.some((s) => s.seq === seq)).sort((a, b) => a - b);
    const added = fresh.map((seq) => this.segment(month, seq));
    const all = [...known, ...added].sort((a, b) => a.seq - b.seq);
    this.months.set(month, all);
    await Promise.all([...added, ...(known.length ? [known.at(-1) as Segment] : [])].map((s) => this.refreshSegment(s)));
  }

  private async refreshAll(): Promise<void> {
    let months: string[];
    try {
      months = (await readdir(this.root)).filter((n) => MONTH_DIR.test(n));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const month of months.sort()) {
      await this.refreshMonth(month);
      const segments = this.months.get(month) ?? [];
      // Any segment may have been updated elsewhere; a stat each is cheap next to reading them.
      await Promise.all(segments.map((s) => this.refreshSegment(s)));
    }
  }

  /** A file read back must belong where it lies, and hold no reference held elsewhere. */
  private checkSegment(segment: Segment): void {
    const data = segment.db.data;
    const label = segment.file.path;
    if (data.month !== segment.month) throw new CaseStoreError(label, `says month "${data.month}" but lies in cases/${segment.month}`);
    data.cases.forEach((c, i) => {
      if (referenceDate(c.reference).slice(0, 7) !== segment.month)
        throw new CaseStoreError(label, `$.cases[${i}].reference ${c.reference} was not created in ${segment.month}`);
      const other = this.index.get(c.reference);
      if (other && other !== segment) throw new CaseStoreError(label, `$.cases[${i}].reference ${c.reference} is also in cases/${other.month}/${segmentName(other.seq)}`);
    });
  }
}
