import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { DIR_MODE, FILE_MODE } from './modes.js';

const fsyncAsync = promisify(fsync);

/** What identifies one version of a file: an atomic write replaces the inode. */
export interface FileStamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

/**
 * Writes a file so that a reader (or a restart after a crash) sees either the old content or the new,
 * never half of it: write a temporary file beside it, fsync, rename over. Without `sync` the file still
 * survives a killed process (the kernel keeps it), only not a power cut: for data cheap to lose.
 *
 * Opening, writing, closing and renaming a small file are system calls of a few microseconds into the
 * page cache, and are made in place: through the thread pool each would cost a round trip of 50 µs or
 * more, which a create waits for one after another. Only fsync, which waits for the disk, leaves the
 * main thread. Returns the stamp of the file as written.
 */
export async function writeFileAtomic(path: string, content: string, options: { sync?: boolean } = {}): Promise<FileStamp> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  let fd: number;
  try {
    fd = openSync(tmp, 'w', FILE_MODE);
  } catch (err) {
    // The folder nearly always exists: create it only when the first open says it does not.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(path), { recursive: true, mode: DIR_MODE });
    fd = openSync(tmp, 'w', FILE_MODE);
  }
  try {
    let stamp: FileStamp;
    try {
      const data = Buffer.from(content, 'utf8');
      for (let written = 0; written < data.length;) written += writeSync(fd, data, written, data.length - written, written);
      if (options.sync !== false) await fsyncAsync(fd);
      const info = fstatSync(fd);
      stamp = { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    return stamp;
  } catch (err) {
    // Also when the write itself failed: a half-written temporary file left by a full disk keeps it full.
    rmSync(tmp, { force: true });
    throw err;
  }
}
