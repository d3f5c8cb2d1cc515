import { closeSync, fdatasync, fstatSync, ftruncateSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../storage/atomic-file.js';
import { CaseRecord } from './case-schema.js';
import { CaseStoreError } from './errors.js';
import { FILE_MODE } from '../storage/modes.js';

const fdatasyncAsync = promisify(fdatasync);

/** One change of the store: the case as it now is, and the segment ("YYYY-MM/NNNN") that holds it. */
export interface JournalEntry {
  segment: string;
  record: CaseRecord;
}

const SEGMENT_ID = /^\d{4}-\d{2}\/\d{4}$/;

/**
 * The case store's journal, cases/journal.jsonl: every create and update since the segment files were
 * last written, one JSON line each, made durable (fdatasync) before it is acknowledged. Appending a line
 * costs a fraction of rewriting a segment (a temporary file, fsync, rename over), and the segments are
 * brought up to date now and then, all at once (a checkpoint), after which the journal starts again as
 * a new, empty file.
 *
 * Several processes use it (the service and `npm run cases`): appends, checkpoints and the reading of
 * what others appended are all made under the store's lock, so that nobody reads a segment and a journal
 * from either side of someone else's checkpoint. Whether there is anything to read is a stat, without
 * the lock. Each process reads what others appended from where it stopped, and sees by the file's inode
 * that a checkpoint replaced it. A torn last line left by a killed writer is ignored, and cut by the next
 * writer. Any other line that does not parse stops the store, and the file is left as it is.
 */
export class CaseJournal {
  private fd?: number;
  private ino = -1;
  /** Bytes read so far: whole lines only. */
  private offset = 0;
  /** The file's size when last looked at: past `offset`, a line being written or a torn one. */
  private end = 0;

  constructor(readonly path: string) {}

  /** How much is waiting to be checkpointed. */
  get bytes(): number {
    return this.offset;
  }

  /** Nothing added and not replaced since the last read: a stat, no lock needed to tell. */
  unchanged(): boolean {
    if (this.fd === undefined) return false;
    try {
      const info = statSync(this.path);
      this.end = info.size;
      return info.ino === this.ino && info.size === this.offset;
    } catch {
      return false;
    }
  }

  /**
   * The whole lines added since the last call (made under the lock, so that no line is being written
   * or taken back while it reads). `replaced`: the file is not the one read before (a
   * checkpoint made it anew), the lines are those of the new file and the segments may have changed.
   * `rewound`: the file is shorter than what was read (a writer took back lines it could not make
   * durable), and the lines are the whole file again: what was read from it before may be gone.
   */
  readNew(): { entries: JournalEntry[]; replaced: boolean; rewound: boolean } {
    let replaced = false;
    let rewound = false;
    const current = this.currentIno();
    if (this.fd === undefined || current !== this.ino) {
      this.reopen();
      replaced = true;
    }
    const fd = this.fd as number;
    const size = fstatSync(fd).size;
    this.end = size;
    if (size < this.offset) {
      this.offset = 0;
      rewound = true;
    }
    if (size <= this.offset) return { entries: [], replaced, rewound };
    const buffer = Buffer.allocUnsafe(size - this.offset);
    const got = readSync(fd, buffer, 0, buffer.length, this.offset);
    const end = buffer.lastIndexOf(10, got - 1);
    if (end < 0) return { entries: [], replaced, rewound };
    const entries: JournalEntry[] = [];
    let from = 0;
    for (let nl = buffer.indexOf(10); nl !== -1 && nl <= end; nl = buffer.indexOf(10, from)) {
      entries.push(this.parse(buffer.toString('utf8', from, nl), this.offset + from));
      from = nl + 1;
    }
    this.offset += end + 1;
    return { entries, replaced, rewound };
  }

  /** Every whole line read so far, from the start of the file (at most a checkpoint's worth). */
  readAll(): JournalEntry[] {
    if (this.fd === undefined || this.offset === 0) return [];
    const buffer = Buffer.allocUnsafe(this.offset);
    readSync(this.fd, buffer, 0, this.offset, 0);
    const entries: JournalEntry[] = [];
    let from = 0;
    for (let nl = buffer.indexOf(10); nl !== -1; nl = buffer.indexOf(10, from)) {
      entries.push(this.parse(buffer.toString('utf8', from, nl), from));
      from = nl + 1;
    }
    return entries;
  }

  /**
   * Appends entries the caller has checked, and waits until they are on the disk. The caller holds the
   * lock and has read every whole line first. On failure the file is as it was.
   */
  async append(entries: JournalEntry[]): Promise<void> {
    if (this.fd === undefined) this.reopen();
    const fd = this.fd as number;
    // Past the whole lines read, only a torn line of a killed writer can be there: nobody else writes now.
    if (this.end > this.offset) ftruncateSync(fd, this.offset);
    const data = Buffer.from(entries.map((e) => `${JSON.stringify({ s: e.segment, c: e.record })}\n`).join(''), 'utf8');
    const start = this.offset;
    try {
      for (let written = 0; written < data.length;) written += writeSync(fd, data, written, data.length - written, start + written);
      await fdatasyncAsync(fd);
    } catch (err) {
      try {
        ftruncateSync(fd, start);
      } catch {
        // The next writer cuts a torn line anyway.
      }
      throw err;
    }
    this.offset = start + data.length;
    this.end = this.offset;
  }

  /** After a checkpoint (under the lock): the journal starts again, as a new file other processes can tell apart. */
  async restart(): Promise<void> {
    await writeFileAtomic(this.path, '');
    this.reopen();
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.ino = -1;
    this.offset = 0;
    this.end = 0;
  }

  private currentIno(): number {
    try {
      return statSync(this.path).ino;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return -1;
      throw err;
    }
  }

  private reopen(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = openSync(this.path, 'a+', FILE_MODE);
    const info = fstatSync(this.fd);
    this.ino = info.ino;
    this.end = info.size;
    this.offset = 0;
  }

  private parse(text: string, at: number): JournalEntry {
    let raw: { s?: unknown; c?: unknown };
    try {
      raw = JSON.parse(text) as { s?: unknown; c?: unknown };
    } catch (err) {
      throw new CaseStoreError(this.path, `the line at byte ${at} is not valid JSON (${(err as Error).message})`);
    }
    if (typeof raw?.s !== 'string' || !SEGMENT_ID.test(raw.s)) throw new CaseStoreError(this.path, `the line at byte ${at} names no segment`);
    const record = CaseRecord.safeParse(raw.c);
    if (!record.success) {
      const first = record.error.issues[0];
      const where = first ? `$.c${first.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}` : '$.c';
      throw new CaseStoreError(this.path, `the line at byte ${at} does not match the case schema at ${where}: ${first?.message ?? 'invalid'}`);
    }
    return { segment: raw.s, record: record.data };
  }
}
