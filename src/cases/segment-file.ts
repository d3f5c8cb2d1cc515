import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import { type FileStamp, writeFileAtomic } from '../storage/atomic-file.js';
import { SegmentData } from './case-schema.js';
import { CaseStoreError } from './errors.js';

export function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  return !!a && !!b && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/**
 * lowdb adapter for one segment: reads through zod, so a file that does not parse or fails its schema
 * is refused with its name and the path of the problem (and, never written over, stays as it was);
 * writes are atomic (temporary file, fsync, rename), so a crash leaves the old or the new file whole.
 */
export class SegmentFile implements Adapter<SegmentData> {
  /** The version last read or written by this process. */
  stamp: FileStamp | undefined;

  constructor(
    readonly path: string,
    private readonly label: string,
  ) {}

  async read(): Promise<SegmentData | null> {
    let handle;
    try {
      handle = await open(this.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    let text: string;
    try {
      // The stamp and the text come from the same open file, even if a writer replaces it meanwhile.
      const info = await handle.stat();
      text = await handle.readFile('utf8');
      this.stamp = { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
    } finally {
      await handle.close();
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new CaseStoreError(this.label, `not valid JSON (${(err as Error).message})`);
    }
    const parsed = SegmentData.safeParse(raw);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first ? `$${first.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}` : '$';
      throw new CaseStoreError(this.label, `does not match the case schema at ${where}: ${first?.message ?? 'invalid'}`);
    }
    return parsed.data;
  }

  async write(data: SegmentData): Promise<void> {
    this.stamp = await writeFileAtomic(this.path, JSON.stringify(data));
  }

  /** A stat of a few microseconds, asked before every write: made in place (see writeFileAtomic). */
  async current(): Promise<FileStamp | undefined> {
    try {
      const info = statSync(this.path);
      return { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
}
