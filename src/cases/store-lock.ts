import { linkSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { processAlive as alive } from '../storage/process-alive.js';
import { FILE_MODE } from '../storage/modes.js';

const STALE_MS = 30_000;
/** How long a lock may stay without its owner written before it counts as left by a dead process. */
const UNWRITTEN_MS = 2_000;

function unlinkIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * A lock file shared by every process that writes the store: the service and `npm run cases` may run
 * at once. Each process writes its owner file (`.lock.<host>.<pid>`) once; taking the lock is one hard
 * link of it to `.lock`, which fails if the lock is held, and letting go is one unlink. Every write of
 * the store takes the lock, and creating, filling, closing and removing a file each time cost several
 * times as much. A lock left by a process that died (same host, pid gone) or held longer than any write
 * could take (by the time of its last link, the inode's ctime) is removed.
 */
export class StoreLock {
  private readonly me = JSON.stringify({ pid: process.pid, host: hostname() });
  private readonly mine: string;
  private made = false;

  constructor(
    private readonly path: string,
    private readonly timeoutMs = 15_000,
  ) {
    this.mine = `${path}.${hostname()}.${process.pid}`;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Lets go of the lock if it is still this process's: one held past 30 s may have been taken over. */
  private release(): void {
    let held: number;
    try {
      held = statSync(this.path).ino;
    } catch {
      return;
    }
    let ours: boolean;
    try {
      ours = held === statSync(this.mine).ino;
    } catch {
      // Our owner file is gone (another store of this process closed): the lock's words tell.
      ours = readFileSync(this.path, 'utf8') === this.me;
    }
    if (ours) unlinkIfThere(this.path);
  }

  /** Removes this process's owner file; the lock is not held after this. */
  close(): void {
    if (this.made) unlinkIfThere(this.mine);
    this.made = false;
  }

  /** Owner files of processes on this host that are gone (killed before they could remove them). */
  sweepLeftovers(): void {
    const prefix = `${basename(this.path)}.${hostname()}.`;
    let names: string[];
    try {
      names = readdirSync(dirname(this.path));
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      const pid = Number(name.slice(prefix.length));
      if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) unlinkIfThere(join(dirname(this.path), name));
    }
  }

  private tryTake(): boolean {
    if (!this.made) {
      try {
        writeFileSync(this.mine, this.me, { mode: FILE_MODE });
      } catch (err) {
        // On a full disk the file may be created but not filled: it must not stay behind.
        unlinkIfThere(this.mine);
        throw err;
      }
      this.made = true;
    }
    try {
      linkSync(this.mine, this.path);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      // Our owner file was removed under us (a cleaned folder): write it again next time.
      if (code === 'ENOENT') this.made = false;
      throw err;
    }
  }

  private async acquire(): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      let taken: boolean;
      try {
        taken = this.tryTake();
      } catch (err) {
        if (this.made || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        taken = this.tryTake();
      }
      if (taken) return;
      const owner = await this.stale();
      if (owner) {
        unlinkIfThere(this.path);
        if (owner.pid !== undefined) unlinkIfThere(`${this.path}.${hostname()}.${owner.pid}`);
        continue;
      }
      if (Date.now() - started > this.timeoutMs) throw new Error(`case store is locked by another process (${this.path})`);
      await new Promise((r) => setTimeout(r, Math.min(2 + attempt, 25) * (0.5 + Math.random())));
    }
  }

  /** The lock's owner when the lock is stale (`{}` when it names none), else undefined. */
  private async stale(): Promise<{ pid?: number } | undefined> {
    let text: string;
    let age: number;
    try {
      const [content, info] = await Promise.all([readFile(this.path, 'utf8'), stat(this.path)]);
      text = content;
      // Linking the lock changes the inode's ctime: the time it was taken, whatever the owner file's age.
      age = Date.now() - info.ctimeMs;
    } catch {
      // Gone already: try again.
      return undefined;
    }
    let owner: { pid?: number; host?: string };
    try {
      owner = JSON.parse(text) as { pid?: number; host?: string };
    } catch {
      // A lock of an earlier version left empty by a process killed between creating and filling it.
      return age > UNWRITTEN_MS ? {} : undefined;
    }
    const mineHost = owner.host === hostname();
    if (age > STALE_MS) return mineHost && typeof owner.pid === 'number' && !alive(owner.pid) ? owner : {};
    return mineHost && typeof owner.pid === 'number' && owner.pid !== process.pid && !alive(owner.pid) ? owner : undefined;
  }
}
