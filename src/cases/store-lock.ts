import { hostname } from 'node:os';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';

const STALE_MS = 30_000;
/** How long a lock may stay without its owner written before it counts as left by a dead process. */
const UNWRITTEN_MS = 2_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lock file shared by every process that writes the store: the service and `npm run cases` may run
 * at once. Created with O_EXCL; a lock left by a process that died (same host, pid gone) or older than
 * any write could take is removed.
 */
export class StoreLock {
  private readonly me = JSON.stringify({ pid: process.pid, host: hostname() });

  constructor(private readonly path: string, private readonly timeoutMs = 15_000) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      rmSync(this.path, { force: true });
    }
  }

  /**
   * Creating and removing the lock are system calls of microseconds, made in place: every write of the
   * store takes the lock, and through the thread pool each step would cost a round trip.
   */
  private tryTake(): boolean {
    let fd: number;
    try {
      fd = openSync(this.path, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      writeSync(fd, this.me);
    } catch (err) {
      // On a full disk the file is created but its owner cannot be written: an empty lock nobody
      // holds would block every write until it went stale, so it goes now.
      closeSync(fd);
      rmSync(this.path, { force: true });
      throw err;
    }
    closeSync(fd);
    return true;
  }

  private async acquire(): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      if (this.tryTake()) return;
      if (await this.stale()) {
        await rm(this.path, { force: true });
        continue;
      }
      if (Date.now() - started > this.timeoutMs) throw new Error(`case store is locked by another process (${this.path})`);
      await new Promise((r) => setTimeout(r, Math.min(2 + attempt, 25) * (0.5 + Math.random())));
    }
  }

  private async stale(): Promise<boolean> {
    let text: string;
    let age: number;
    try {
      const [content, info] = await Promise.all([readFile(this.path, 'utf8'), stat(this.path)]);
      text = content;
      age = Date.now() - info.mtimeMs;
    } catch {
      // Gone already: try again.
      return false;
    }
    if (age > STALE_MS) return true;
    let owner: { pid?: number; host?: string };
    try {
      owner = JSON.parse(text) as { pid?: number; host?: string };
    } catch {
      // Being written this instant, or never will be: a process killed between creating the lock and
      // writing its owner (kill -9) leaves it empty, and a live writer fills it within microseconds.
      return age > UNWRITTEN_MS;
    }
    return owner.host === hostname() && typeof owner.pid === 'number' && owner.pid !== process.pid && !alive(owner.pid);
  }
}
