import { chmodSync, closeSync, copyFileSync, createReadStream, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DIR_MODE, FILE_MODE } from './modes.js';

/** One record of the journal: the latest value of a key, or its removal. */
interface Line {
  k: string;
  t: number;
  v?: unknown;
  d?: 1;
}

interface Entry {
  offset: number;
  bytes: number;
  savedAt: number;
}

export interface JournalOptions {
  /** Compact once the file is this many times the live records... */
  compactRatio?: number;
  /** ...and at least this big. */
  compactMinBytes?: number;
  /** A record older than this is gone: not returned, not kept by compaction. */
  ttlMs?: number;
  now?: () => number;
}

/** What opening found: records kept, and lines that could not be read (the file is then kept aside). */
export interface JournalRecovery {
  records: number;
  unreadable: number;
  keptAs?: string;
}

/**
 * A key-value store in one append-only file of JSON lines: a write appends the key's new value, the
 * last line of a key wins, and the file is rewritten without the dead lines once they outweigh the
 * live ones.
 *
 * Appends and the reads of single values are made in place, with synchronous calls: a line of a
 * kilobyte goes into the page cache in a few microseconds, while a round trip through the thread pool
 * costs tens, and waking up for it more (here, an append and rename of a file per key cost 450 µs, an
 * asynchronous append 35 µs, a synchronous one 2 µs). Compaction, which reads the whole file, runs
 * beside the appends and copies over what they added meanwhile.
 *
 * A crash can only tear the last line, which was then never acknowledged: opening drops it. A line
 * that does not parse anywhere else means the file was damaged: it is copied aside before anything
 * is written, and every readable line is kept. Without fsync a write survives a killed process, not
 * a power cut: for data that is cheap to lose. One process writes a journal.
 */
export class Journal {
  private fd?: number;
  private size = 0;
  private liveBytes = 0;
  private index = new Map<string, Entry>();
  private compacting?: Promise<void>;
  /** Records forgotten for their age whose lines are still in the file: the next sweep rewrites it. */
  private expiredLines = 0;
  private readonly compactRatio: number;
  private readonly compactMinBytes: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  private constructor(
    private readonly path: string,
    options: JournalOptions,
  ) {
    this.compactRatio = options.compactRatio ?? 4;
    this.compactMinBytes = options.compactMinBytes ?? 8 * 1024 * 1024;
    this.ttlMs = options.ttlMs ?? Number.POSITIVE_INFINITY;
    this.now = options.now ?? Date.now;
  }

  static async open(path: string, options: JournalOptions = {}): Promise<{ journal: Journal; recovery: JournalRecovery }> {
    const journal = new Journal(path, options);
    const recovery = await journal.load();
    return { journal, recovery };
  }

  has(key: string): boolean {
    return this.live(key) !== undefined;
  }

  /** The key's value as stored (the caller keeps whatever cache it needs). */
  get<V>(key: string): V | undefined {
    const entry = this.live(key);
    if (!entry || this.fd === undefined) return undefined;
    const buffer = Buffer.allocUnsafe(entry.bytes);
    readSync(this.fd, buffer, 0, entry.bytes, entry.offset);
    const line = parse(buffer.toString('utf8'));
    return line?.k === key ? (line.v as V) : undefined;
  }

  /**
   * Stores the value given as its JSON text (callers that keep the text need not serialise twice).
   * Throws, with the file as it was, when the write fails.
   */
  set(key: string, json: string, savedAt = this.now()): void {
    this.append(key, `{"k":${JSON.stringify(key)},"t":${savedAt},"v":${json}}\n`, savedAt, false);
  }

  delete(key: string): void {
    if (!this.index.has(key)) return;
    this.append(key, `${JSON.stringify({ k: key, t: this.now(), d: 1 } satisfies Line)}\n`, 0, true);
  }

  /**
   * Forgets records past their time to live and, when there were any, rewrites the file without them:
   * they may hold personal data (contact details being typed), which must leave the disk once expired,
   * not whenever the file happens to be worth compacting.
   */
  async sweep(): Promise<number> {
    let removed = 0;
    for (const [key, entry] of this.index) {
      if (this.expired(entry)) {
        this.forgetExpired(key);
        removed += 1;
      }
    }
    // A compaction under way may have started before the lines it leaves behind died.
    await this.compacting?.catch(() => undefined);
    if (this.expiredLines === 0) {
      await this.compactIfWorth();
      return removed;
    }
    this.compacting = this.compact().finally(() => (this.compacting = undefined));
    await this.compacting;
    return removed;
  }

  /** Every key still live and when it was saved: what a copy of the whole journal takes (store:migrate). */
  *entries(): Generator<{ key: string; savedAt: number }> {
    for (const [key, entry] of this.index) if (!this.expired(entry)) yield { key, savedAt: entry.savedAt };
  }

  /** Puts what was written on the disk itself. */
  sync(): void {
    if (this.fd !== undefined) fsyncSync(this.fd);
  }

  async close(): Promise<void> {
    await this.compacting?.catch(() => undefined);
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) return;
    try {
      fsyncSync(fd);
    } catch {
      // Closing anyway: what the kernel holds still reaches the disk.
    }
    closeSync(fd);
  }

  /** The file's size, for tests and figures. */
  get fileBytes(): number {
    return this.size;
  }

  private live(key: string): Entry | undefined {
    const entry = this.index.get(key);
    if (entry && this.expired(entry)) {
      this.forgetExpired(key);
      return undefined;
    }
    return entry;
  }

  private expired(entry: Entry): boolean {
    return this.now() - entry.savedAt > this.ttlMs;
  }

  private forgetExpired(key: string): void {
    this.forget(key);
    this.expiredLines += 1;
  }

  private forget(key: string): void {
    const entry = this.index.get(key);
    if (!entry) return;
    this.liveBytes -= entry.bytes;
    this.index.delete(key);
  }

  private append(key: string, line: string, savedAt: number, removed: boolean): void {
    if (this.fd === undefined) throw Object.assign(new Error('the journal is closed'), { code: 'ECLOSED' });
    const data = Buffer.from(line, 'utf8');
    const start = this.size;
    try {
      for (let written = 0; written < data.length;) written += writeSync(this.fd, data, written, data.length - written, start + written);
    } catch (err) {
      // A partial write (a full disk) would leave half a line for the next one to run into.
      try {
        ftruncateSync(this.fd, start);
      } catch {
        // The next open drops a torn line anyway.
      }
      throw err;
    }
    this.size = start + data.length;
    this.forget(key);
    if (!removed) {
      this.index.set(key, { offset: start, bytes: data.length, savedAt });
      this.liveBytes += data.length;
    }
    if (this.worthCompacting()) void this.compactIfWorth().catch(() => undefined);
  }

  private worthCompacting(): boolean {
    return !this.compacting && this.size >= this.compactMinBytes && this.size > this.compactRatio * this.liveBytes;
  }

  private compactIfWorth(): Promise<void> {
    if (this.compacting) return this.compacting;
    if (!this.worthCompacting()) return Promise.resolve();
    this.compacting = this.compact().finally(() => (this.compacting = undefined));
    return this.compacting;
  }

  /** Reads the file line by line, up to `end`: the offset and length of each line, and its text. */
  private async *scan(end = Number.POSITIVE_INFINITY): AsyncGenerator<{ offset: number; bytes: number; text: string; complete: boolean }> {
    let offset = 0;
    let rest: Buffer = Buffer.alloc(0);
    const stream = createReadStream(this.path, { highWaterMark: 1 << 20, ...(Number.isFinite(end) ? { end: end - 1 } : {}) });
    for await (const chunk of stream) {
      const data = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
      let from = 0;
      for (let nl = data.indexOf(10, from); nl !== -1; nl = data.indexOf(10, from)) {
        yield { offset, bytes: nl + 1 - from, text: data.toString('utf8', from, nl), complete: true };
        offset += nl + 1 - from;
        from = nl + 1;
      }
      rest = data.subarray(from);
    }
    if (rest.length) yield { offset, bytes: rest.length, text: rest.toString('utf8'), complete: false };
  }

  private async load(): Promise<JournalRecovery> {
    mkdirSync(dirname(this.path), { recursive: true, mode: DIR_MODE });
    let unreadable = 0;
    let end = 0;
    try {
      for await (const line of this.scan()) {
        if (!line.complete) break;
        end = line.offset + line.bytes;
        const record = parse(line.text);
        if (!record) {
          unreadable += 1;
          continue;
        }
        this.forget(record.k);
        if (!record.d) {
          this.index.set(record.k, { offset: line.offset, bytes: line.bytes, savedAt: record.t });
          this.liveBytes += line.bytes;
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const recovery: JournalRecovery = { records: this.index.size, unreadable };
    if (unreadable > 0) {
      recovery.keptAs = `${this.path}.${new Date(this.now()).toISOString().replace(/[:.]/g, '-')}.damaged`;
      copyFileSync(this.path, recovery.keptAs);
      chmodSync(recovery.keptAs, FILE_MODE);
    }
    this.fd = openSync(this.path, 'a+', FILE_MODE);
    // A torn last line was never acknowledged: cut it off so the next line starts clean.
    if (fstatSync(this.fd).size > end) ftruncateSync(this.fd, end);
    this.size = end;
    for (const [key, entry] of this.index) if (this.expired(entry)) this.forgetExpired(key);
    if (unreadable > 0 || this.expiredLines > 0) await this.compact();
    else await this.compactIfWorth();
    recovery.records = this.index.size;
    return recovery;
  }

  /**
   * Writes the live lines up to the current end into a new file beside this one while appends go on,
   * then, in one synchronous step, copies what was appended meanwhile, renames the new file over and
   * moves the index to it.
   */
  private async compact(): Promise<void> {
    if (this.fd === undefined) return;
    const cut = this.size;
    // Lines of records that expire from here on are left for the next compaction.
    const expiredBefore = this.expiredLines;
    const tmp = `${this.path}.compact`;
    const out = await open(tmp, 'w', FILE_MODE);
    const moved = new Map<string, { from: number; to: number }>();
    let size = 0;
    try {
      const chunks: Buffer[] = [];
      let buffered = 0;
      for await (const line of this.scan(cut)) {
        const record = line.complete ? parse(line.text) : undefined;
        const entry = record && this.index.get(record.k);
        if (!record || !entry || entry.offset !== line.offset || this.expired(entry)) continue;
        const bytes = Buffer.from(`${line.text}\n`, 'utf8');
        moved.set(record.k, { from: line.offset, to: size });
        chunks.push(bytes);
        size += bytes.length;
        buffered += bytes.length;
        if (buffered >= 1 << 20) {
          await out.write(Buffer.concat(chunks.splice(0)));
          buffered = 0;
        }
      }
      if (chunks.length) await out.write(Buffer.concat(chunks));
      await out.sync();
    } catch (err) {
      await out.close().catch(() => undefined);
      await rm(tmp, { force: true });
      throw err;
    }
    await out.close();
    if (this.fd === undefined) {
      await rm(tmp, { force: true });
      return;
    }

    // From here on nothing waits, so no append can come between the copy of the tail and the swap.
    const tailBytes = this.size - cut;
    const fd = openSync(tmp, 'a+', FILE_MODE);
    try {
      if (tailBytes > 0) {
        const tail = Buffer.allocUnsafe(tailBytes);
        readSync(this.fd, tail, 0, tailBytes, cut);
        for (let written = 0; written < tailBytes;) written += writeSync(fd, tail, written, tailBytes - written, size + written);
      }
      fsyncSync(fd);
      renameSync(tmp, this.path);
    } catch (err) {
      closeSync(fd);
      await rm(tmp, { force: true });
      throw err;
    }
    closeSync(this.fd);
    this.fd = fd;
    const index = new Map<string, Entry>();
    let live = 0;
    for (const [key, entry] of this.index) {
      const m = moved.get(key);
      const offset = entry.offset >= cut ? entry.offset - cut + size : m && m.from === entry.offset ? m.to : undefined;
      if (offset === undefined) continue;
      index.set(key, { ...entry, offset });
      live += entry.bytes;
    }
    this.index = index;
    this.expiredLines = Math.max(0, this.expiredLines - expiredBefore);
    this.liveBytes = live;
    this.size = size + tailBytes;
  }
}

function parse(text: string): Line | undefined {
  try {
    const v = JSON.parse(text) as Partial<Line> | null;
    return v && typeof v === 'object' && typeof v.k === 'string' && typeof v.t === 'number' ? (v as Line) : undefined;
  } catch {
    return undefined;
  }
}
