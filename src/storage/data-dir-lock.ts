import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DIR_MODE, FILE_MODE } from './modes.js';
import { processAlive as alive } from './process-alive.js';

/** Another live process owns the data folder: nothing in it was touched. */
export class DataDirLockedError extends Error {
  constructor(
    readonly path: string,
    readonly holder: { pid?: number; host?: string; since?: string },
  ) {
    super(
      `the data folder is in use by process ${holder.pid ?? '?'} on ${holder.host ?? 'an unknown host'}${holder.since ? ` since ${holder.since}` : ''} ` +
        `(lock file ${path}); stop that process, or remove the file if that host no longer runs it`,
    );
    this.name = 'DataDirLockedError';
  }
}

/** How long a lock file may stay empty before it counts as left by a process killed while creating it. */
const UNWRITTEN_MS = 2_000;

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

/**
 * One service process owns a data folder: its conversation journal is written by one process only, and a
 * second one would compact it from under the first. The lock is a file created exclusively, holding the
 * owner's pid and host; one left by a process of this host that is gone is taken over. It is taken
 * before any store is opened, so a second process refused here has touched nothing (the folder is only
 * created when it does not exist). The case CLI is not a service and does not take it: the case store
 * has its own lock for writes shared with it.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
  const path = join(dataDir, 'service.lock');
  const me = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', FILE_MODE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(path);
      // Unreadable for a while: a process killed between creating and filling it (or it is gone now).
      const stale = holder ? holder.host === me.host && typeof holder.pid === 'number' && holder.pid !== process.pid && !alive(holder.pid) : ageMs(path) > UNWRITTEN_MS;
      if (!stale) throw new DataDirLockedError(path, holder ?? {});
      try {
        unlinkSync(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me));
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      path,
      release() {
        if (released) return;
        released = true;
        // Only our own: a lock taken over after we were thought dead is someone else's now.
        const holder = readHolder(path);
        if (holder?.pid === me.pid && holder.host === me.host && holder.since === me.since) {
          try {
            unlinkSync(path);
          } catch {
            // Gone already.
          }
        }
      },
    };
  }
  throw new DataDirLockedError(path, readHolder(path) ?? {});
}

function readHolder(path: string): { pid?: number; host?: string; since?: string } | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; host?: unknown; since?: unknown };
    return {
      ...(typeof v.pid === 'number' ? { pid: v.pid } : {}),
      ...(typeof v.host === 'string' ? { host: v.host } : {}),
      ...(typeof v.since === 'string' ? { since: v.since } : {}),
    };
  } catch {
    return undefined;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
