import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import type { IsoDate } from '../dates/beijing.js';
import type { CaseAllowance } from './case-quota.js';
import { CaseJournal, type JournalEntry } from './case-journal.js';
import { CaseRecord, type SegmentData, storableRecord } from './case-schema.js';
import { CaseNotFoundError, CaseStoreError } from './errors.js';
import { newReference, parseReference, referenceDate } from './reference.js';
import { SegmentFile, sameStamp } from './segment-file.js';
import { IndexFile, type StoreIndex } from './store-index.js';
import { StoreLock } from './store-lock.js';
import { type CasePage, type CaseQuery, type CaseStore, caseMatcher } from './store.js';
import { DIR_MODE } from '../storage/modes.js';

/**
 * How many cases one file holds. A checkpoint rewrites the files it changed, so this bounds its cost
 * whatever the number of cases stored (see docs/cases.md and `npm run bench:cases`).
 */
export const SEGMENT_CAPACITY = 100;

/**
 * The journal is folded into the segments once it holds this much (some 150 cases or changes), or once
 * it has changed this many segments: a checkpoint rewrites each segment it changed, and changes spread
 * over the whole store (agents working through old cases) would otherwise make one checkpoint long.
 */
export const CHECKPOINT_BYTES = 256 * 1024;
export const CHECKPOINT_SEGMENTS = 32;
/** Segments rewritten in one step of a checkpoint: a write queued behind a step waits for this many. */
const CHECKPOINT_STEP = 2;

const MONTH_DIR = /^\d{4}-\d{2}$/;
const SEGMENT_NAME = /^(\d{4})\.json$/;

interface PendingCreate {
  make: (reference: string) => CaseRecord;
  date: IsoDate;
  resolve: (record: CaseRecord) => void;
  reject: (err: unknown) => void;
}

interface Segment {
  /** How many cases the file held when this process last read or wrote it; undefined: no file yet. */
  fileCount?: number;
  month: string;
  seq: number;
  /** "YYYY-MM/NNNN", as the journal names it. */
  id: string;
  file: SegmentFile;
  db: Low<SegmentData>;
}

function segmentName(seq: number): string {
  return `${String(seq).padStart(4, '0')}.json`;
}

export interface FileCaseStoreOptions {
  segmentCapacity?: number;
  checkpointBytes?: number;
  checkpointSegments?: number;
  /** New cases per client and day (in this process's memory); absent: no cap. */
  allowance?: CaseAllowance;
}

/**
 * The cases in EKEY_DATA_DIR/cases: one lowdb database per segment, and a journal of what changed since
 * the segments were last written:
 *
 *     cases/2026-11/0000.json   the first 100 cases created in November 2026 (Beijing time)
 *     cases/2026-11/0001.json   the next 100 ...
 *     cases/journal.jsonl       every create and update since (src/cases/case-journal.ts)
 *
 * A reference carries its creation date, so its month folder is known; new cases go into the month's
 * last segment until it is full. A create or update is one line appended to the journal and made
 * durable; once the journal has grown, the segments it touched are rewritten (each atomically, with
 * fsync) and the journal starts again. Every case is kept in memory (lowdb's way). Writes are serialised
 * in the process and, through a lock file, with other processes (the `npm run cases` CLI), and each
 * operation first reads what other processes appended, so no writer loses another's change.
 */
export class FileCaseStore implements CaseStore {
  private readonly root: string;
  private readonly lock: StoreLock;
  private readonly indexFile: IndexFile;
  private readonly journal: CaseJournal;
  private months = new Map<string, Segment[]>();
  private index = new Map<string, Segment>();
  /** Segments changed by journal lines since they were last written. */
  private dirty = new Set<Segment>();
  /** A file found damaged: every operation reads everything again (and fails) until it is repaired. */
  private damaged = false;
  private wrote = false;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly pending: PendingCreate[] = [];
  private rootMade = false;
  private readonly capacity: number;
  private readonly checkpointBytes: number;
  private readonly checkpointSegments: number;
  private checkpointQueued = false;
  /** A checkpoint has begun and segments are left to write. */
  private checkpointing = false;
  /** Counts every change to the cases in memory: a search cached at an older count is stale. */
  private generation = 0;
  private lastSearch?: { key: string; generation: number; page: CasePage };

  private constructor(dataDir: string, options: FileCaseStoreOptions) {
    this.root = join(dataDir, 'cases');
    this.lock = new StoreLock(join(this.root, '.lock'));
    this.indexFile = new IndexFile(join(this.root, 'index.json'));
    this.journal = new CaseJournal(join(this.root, 'journal.jsonl'));
    this.capacity = options.segmentCapacity ?? SEGMENT_CAPACITY;
    this.checkpointBytes = options.checkpointBytes ?? CHECKPOINT_BYTES;
    this.checkpointSegments = options.checkpointSegments ?? CHECKPOINT_SEGMENTS;
    this.allowance = options.allowance;
  }

  private readonly allowance: CaseAllowance | undefined;

  /** Opens the store, reading and checking every file: a file that fails stops here with its name. */
  static async open(dataDir: string, options: FileCaseStoreOptions = {}): Promise<FileCaseStore> {
    const store = new FileCaseStore(dataDir, options);
    await mkdir(store.root, { recursive: true, mode: DIR_MODE });
    store.rootMade = true;
    store.lock.sweepLeftovers();
    try {
      await store.lock.run(async () => {
        const index = await store.indexFile.read();
        // Read before anything opens the journal: opening it creates it again.
        const journalThere = existsSync(store.journal.path);
        if (index?.journal && !journalThere) throw new CaseStoreError(store.journal.path, `is listed in ${store.indexFile.path} but missing: the cases it held would be lost`);
        await store.reload();
        if (index) store.checkIndex(index);
        else await store.writeIndex();
      });
    } catch (err) {
      // Refused: nothing of this process stays behind (its lock owner file, the journal it opened).
      store.journal.close();
      store.lock.close();
      throw err;
    }
    return store;
  }

  /** Every segment the index lists must be there with at least the cases it had then (cases are never removed). */
  private checkIndex(index: StoreIndex): void {
    for (const [id, count] of Object.entries(index.segments)) {
      const segment = this.segmentById(id);
      const path = join(this.root, `${id}.json`);
      if (segment?.fileCount === undefined) throw new CaseStoreError(path, `is listed in ${this.indexFile.path} with ${count} cases but missing`);
      if (segment.fileCount < count) throw new CaseStoreError(path, `holds ${segment.fileCount} cases where ${this.indexFile.path} lists ${count}`);
    }
  }

  /** The segments as written, and that the journal exists (created here if it does not yet). */
  private async writeIndex(): Promise<void> {
    if (!existsSync(this.journal.path)) this.journal.readNew();
    const segments: Record<string, number> = {};
    for (const list of this.months.values()) for (const s of list) if (s.fileCount !== undefined) segments[s.id] = s.fileCount;
    await this.indexFile.write({ format: 1, segments, journal: true });
  }

  get size(): number {
    return this.index.size;
  }

  async create(make: (reference: string) => CaseRecord, date: IsoDate, client?: string): Promise<CaseRecord> {
    if (client === undefined || !this.allowance) return this.enqueue(make, date);
    await this.allowance.take(client);
    try {
      return await this.enqueue(make, date);
    } catch (err) {
      // A case that could not be stored does not count.
      await this.allowance.giveBack(client);
      throw err;
    }
  }

  /**
   * Creates arriving while a write is under way wait for it and are then written together, one append
   * and one fdatasync for them all (group commit).
   */
  private enqueue(make: (reference: string) => CaseRecord, date: IsoDate): Promise<CaseRecord> {
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
    try {
      await this.catchUp(true);
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    const taken = new Set<string>();
    const checked = new Set<string>();
    const made: { p: PendingCreate; own: CaseRecord; entry: JournalEntry }[] = [];
    /** Cases this batch adds to each segment, new segments included. */
    const adding = new Map<string, number>();
    for (const p of batch) {
      try {
        const reference = newReference((ref) => this.index.has(ref) || taken.has(ref), p.date);
        const own = p.make(reference);
        const record = storableRecord(own, reference);
        const segment = this.placeFor(p.date.slice(0, 7), adding);
        // The lock is held for the whole batch: a segment found unchanged stays so until it is written.
        if (!checked.has(segment)) await this.checkUnchanged(segment);
        checked.add(segment);
        taken.add(reference);
        adding.set(segment, (adding.get(segment) ?? 0) + 1);
        made.push({ p, own, entry: { segment, record } });
      } catch (err) {
        p.reject(err);
      }
    }
    if (made.length === 0) return;
    try {
      await this.journal.append(made.map((m) => m.entry));
    } catch (err) {
      for (const m of made) m.p.reject(err);
      return;
    }
    this.wrote = true;
    for (const m of made) {
      this.apply(m.entry);
      m.p.resolve(m.own);
    }
    this.checkpointWhenDue();
  }

  /** The segment a new case of the month goes to: the last one while it has room, else the next. */
  private placeFor(month: string, adding: Map<string, number>): string {
    const segments = this.months.get(month) ?? [];
    let seq = segments.at(-1)?.seq ?? 0;
    const count = (s: number) => (segments.find((x) => x.seq === s)?.db.data.cases.length ?? 0) + (adding.get(`${month}/${String(s).padStart(4, '0')}`) ?? 0);
    while (count(seq) >= this.capacity) seq += 1;
    return `${month}/${String(seq).padStart(4, '0')}`;
  }

  async get(reference: string): Promise<CaseRecord | undefined> {
    return this.serial(false, async () => {
      await this.catchUp(false);
      const found = this.find(reference);
      return found && structuredClone(found.record);
    });
  }

  async update(reference: string, change: (current: CaseRecord) => CaseRecord): Promise<CaseRecord> {
    return this.serial(true, async () => {
      await this.catchUp(true);
      const found = this.find(reference);
      if (!found) throw new CaseNotFoundError(reference);
      await this.checkUnchanged(found.segment.id);
      const own = change(structuredClone(found.record));
      const record = storableRecord(own, reference);
      const entry = { segment: found.segment.id, record };
      await this.journal.append([entry]);
      this.wrote = true;
      this.apply(entry);
      this.checkpointWhenDue();
      return own;
    });
  }

  async list(q: CaseQuery): Promise<CasePage> {
    return this.serial(false, async () => {
      await this.catchUp(false);
      return this.scan(q);
    });
  }

  /**
   * Newest first. A segment whose matches are counted from its index (a search without words) is only
   * looked at when the page takes cases from it; the page is cloned out of a cache of the last search,
   * which any change to the cases in memory makes stale.
   */
  private scan(q: CaseQuery): CasePage {
    const key = JSON.stringify([q.status, q.procedure, q.from, q.to, q.text, q.callback, q.withContact, q.offset, q.limit]);
    if (this.lastSearch?.key !== key || this.lastSearch.generation !== this.generation) this.lastSearch = { key, generation: this.generation, page: this.search(q) };
    const { items, total } = this.lastSearch.page;
    return { items: items.map((c) => structuredClone(c)), total };
  }

  private search(q: CaseQuery): CasePage {
    const items: CaseRecord[] = [];
    let total = 0;
    const matches = caseMatcher(q);
    if (matches.reference) {
      const found = this.find(matches.reference)?.record;
      return found && matches.test(found) ? { items: q.offset === 0 && q.limit > 0 ? [found] : [], total: 1 } : { items: [], total: 0 };
    }
    const take = (c: CaseRecord): boolean => {
      if (total >= q.offset && items.length < q.limit) items.push(c);
      total += 1;
      return true;
    };
    const months = [...this.months.keys()].sort().reverse();
    for (const month of months) {
      // Whole months outside the date range are skipped without looking at their cases.
      if (q.from && `${month}-31` < q.from) continue;
      if (q.to && `${month}-01` > q.to) continue;
      const segments = this.months.get(month) ?? [];
      for (let s = segments.length - 1; s >= 0; s -= 1) {
        const cases = (segments[s] as Segment).db.data.cases;
        const counted = matches.count(cases);
        if (counted === undefined) {
          matches.scan(cases, take);
          continue;
        }
        const after = total + counted;
        // The page is before this segment, or full: its count is all that is needed.
        if (after > q.offset && items.length < q.limit) matches.scan(cases, (c) => take(c) && items.length < q.limit);
        total = after;
      }
    }
    return { items, total };
  }

  /**
   * Folds the journal into the segments now and starts it again: the journal's earlier lines of a case
   * (its contact details before they were erased) leave the disk with it.
   */
  async purge(): Promise<void> {
    await this.serial(true, async () => {
      this.dirty = new Set([...this.dirty, ...this.journal.readAll().flatMap((e) => this.segmentById(e.segment) ?? [])]);
      await this.checkpointStep(Number.POSITIVE_INFINITY);
    });
  }

  /** Folds what this process wrote into the segments, so that the next start reads little journal. */
  async close(): Promise<void> {
    await this.tail.catch(() => undefined);
    if (this.wrote && this.dirty.size > 0) await this.serial(true, () => this.checkpointStep(Number.POSITIVE_INFINITY)).catch(() => undefined);
    this.journal.close();
    this.lock.close();
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
        this.rootMade ||= (await mkdir(this.root, { recursive: true, mode: DIR_MODE }), true);
        return this.lock.run(fn);
      });
    this.tail = run;
    return run;
  }

  private find(reference: string): { segment: Segment; record: CaseRecord } | undefined {
    if (!parseReference(reference) || parseReference(reference) !== reference) return undefined;
    const segment = this.index.get(reference);
    const record = segment?.db.data.cases.find((c) => c.reference === reference);
    return segment && record ? { segment, record } : undefined;
  }

  /**
   * What other processes appended; the segments again when a checkpoint of theirs replaced the journal.
   * Reading is done under the lock (taken here for a read, already held by a write), so that no
   * checkpoint runs between the segments and the journal read; finding that nothing changed is a stat.
   */
  private async catchUp(locked: boolean): Promise<void> {
    if (!this.damaged && this.journal.unchanged()) return;
    if (!locked) return this.lock.run(() => this.catchUp(true));
    if (this.damaged) return this.reload();
    const { entries, replaced, rewound } = this.journal.readNew();
    if (rewound) return this.reload();
    if (replaced) {
      // Everything the journal held before is in the segments now: those it changed are read again.
      this.dirty.clear();
      await this.refreshAll();
    }
    for (const e of entries) this.apply(e, this.journal.path);
  }

  /** Under the lock: drops what is in memory and reads every file again, segments, then the whole journal. */
  private async reload(): Promise<void> {
    this.damaged = true;
    this.generation += 1;
    this.months = new Map();
    this.index = new Map();
    this.dirty = new Set();
    this.journal.close();
    await this.refreshAll();
    const { entries } = this.journal.readNew();
    for (const e of entries) this.apply(e, this.journal.path);
    this.damaged = false;
  }

  /**
   * A segment about to change must be as this process last read or wrote it: anything else (a file
   * damaged while running, a checkpoint of another process cut short) is read again from scratch,
   * which refuses a damaged file, and the write goes no further.
   */
  private async checkUnchanged(id: string): Promise<void> {
    const segment = this.segmentById(id);
    if (!segment) return;
    const now = await segment.file.current();
    if (now === undefined ? segment.file.stamp === undefined : sameStamp(segment.file.stamp, now)) return;
    await this.reconcile(segment);
  }

  /**
   * A segment rewritten behind this process (a checkpoint of another one, under way or cut short): read
   * it again, then the journal's lines for it over it. The file holds the lines up to some point of the
   * journal and the journal holds them all, in order, as whole records, so the result is the latest.
   * A file that does not read stops here with its name, and is not written over.
   */
  private async reconcile(segment: Segment): Promise<void> {
    try {
      this.generation += 1;
      await segment.db.read();
      this.checkSegment(segment);
    } catch (err) {
      this.damaged = true;
      throw err;
    }
    for (const c of segment.db.data.cases) this.index.set(c.reference, segment);
    for (const e of this.journal.readAll()) if (e.segment === segment.id) this.apply(e, this.journal.path);
  }

  private segmentById(id: string): Segment | undefined {
    const [month, seq] = id.split('/') as [string, string];
    return this.months.get(month)?.find((s) => s.seq === Number(seq));
  }

  /** A journal line into memory; lines of other processes are checked for where they put a case. */
  private apply(e: JournalEntry, from?: string): void {
    const [month, seqText] = e.segment.split('/') as [string, string];
    const reference = e.record.reference;
    if (from && referenceDate(reference).slice(0, 7) !== month) throw new CaseStoreError(from, `${reference} was not created in ${month}`);
    const segment = this.segmentById(e.segment) ?? this.addSegment(month, Number(seqText));
    this.generation += 1;
    const known = this.index.get(reference);
    if (from && known && known !== segment) throw new CaseStoreError(from, `${reference} is also in cases/${known.month}/${segmentName(known.seq)}`);
    const cases = segment.db.data.cases;
    const at = cases.findIndex((c) => c.reference === reference);
    if (at >= 0) cases[at] = e.record;
    else cases.push(e.record);
    this.index.set(reference, segment);
    this.dirty.add(segment);
  }

  private addSegment(month: string, seq: number): Segment {
    const path = join(this.root, month, segmentName(seq));
    const file = new SegmentFile(path, path);
    const segment: Segment = { month, seq, id: `${month}/${String(seq).padStart(4, '0')}`, file, db: new Low<SegmentData>(file, { format: 1, month, cases: [] }) };
    this.months.set(
      month,
      [...(this.months.get(month) ?? []), segment].sort((a, b) => a.seq - b.seq),
    );
    return segment;
  }

  private due(): boolean {
    return this.journal.bytes >= this.checkpointBytes || this.dirty.size >= this.checkpointSegments;
  }

  /**
   * Queues a checkpoint once one is due, as operations of their own after the write that made it due
   * has answered, each rewriting a few segments: writes wait for one step at most, and a checkpoint
   * goes on until no segment is left to write. The cases are safe in the journal: a step that fails is
   * tried again after the next write.
   */
  private checkpointWhenDue(): void {
    if (this.checkpointQueued || (!this.checkpointing && !this.due())) return;
    this.checkpointQueued = true;
    void this.serial(true, async () => {
      this.checkpointQueued = false;
      this.checkpointing = !(await this.checkpointStep(CHECKPOINT_STEP));
      if (this.checkpointing) this.checkpointWhenDue();
    }).catch(() => undefined);
  }

  /**
   * Under the lock: writes up to `count` of the segments the journal changed; once none is left, starts
   * the journal again. Says whether the checkpoint is complete.
   */
  private async checkpointStep(count: number): Promise<boolean> {
    await this.catchUp(true);
    for (const segment of [...this.dirty].sort((a, b) => a.id.localeCompare(b.id)).slice(0, count)) {
      await this.checkUnchanged(segment.id);
      await segment.db.write();
      segment.fileCount = segment.db.data.cases.length;
      this.dirty.delete(segment);
    }
    if (this.dirty.size > 0) return false;
    await this.writeIndex();
    await this.journal.restart();
    return true;
  }

  /** Re-reads a segment another process has rewritten since this one last read or wrote it. */
  private async refreshSegment(segment: Segment): Promise<void> {
    if (sameStamp(segment.file.stamp, await segment.file.current())) return;
    this.generation += 1;
    await segment.db.read();
    this.checkSegment(segment);
    segment.fileCount = segment.db.data.cases.length;
    for (const c of segment.db.data.cases) this.index.set(c.reference, segment);
  }

  /** Picks up the segment files of every month, and reads those that changed. */
  private async refreshAll(): Promise<void> {
    let months: string[];
    try {
      months = readdirSync(this.root).filter((n) => MONTH_DIR.test(n));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const month of months.sort()) {
      const seqs = readdirSync(join(this.root, month)).flatMap((n) => {
        const m = SEGMENT_NAME.exec(n);
        return m ? [Number(m[1])] : [];
      });
      for (const seq of seqs.sort((a, b) => a - b)) {
        const segment = this.segmentById(`${month}/${String(seq).padStart(4, '0')}`) ?? this.addSegment(month, seq);
        await this.refreshSegment(segment);
      }
    }
  }

  /** A file read back must belong where it lies, and hold no reference held elsewhere. */
  private checkSegment(segment: Segment): void {
    const data = segment.db.data;
    const label = segment.file.path;
    if (data.month !== segment.month) throw new CaseStoreError(label, `says month "${data.month}" but lies in cases/${segment.month}`);
    data.cases.forEach((c, i) => {
      if (referenceDate(c.reference).slice(0, 7) !== segment.month) throw new CaseStoreError(label, `$.cases[${i}].reference ${c.reference} was not created in ${segment.month}`);
      const other = this.index.get(c.reference);
      if (other && other !== segment) throw new CaseStoreError(label, `$.cases[${i}].reference ${c.reference} is also in cases/${other.month}/${segmentName(other.seq)}`);
    });
  }
}
