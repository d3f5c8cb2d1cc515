import { hostname } from 'node:os';
import { open, readFile, rm, stat } from 'node:fs/promises';

const STALE_MS = 30_000;

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
      await rm(this.path, { force: true });
    }
  }

  private async acquire(): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      try {
        const handle = await open(this.path, 'wx');
        await handle.writeFile(this.me);
        await handle.close();
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      if (await this.stale()) {
        await rm(this.path, { force: true });
        continue;
      }
      if (Date.now() - started > this.timeoutMs) throw new Error(`case store is locked by another process (${this.path})`);
      await new Promise((r) => setTimeout(r, Math.min(2 + attempt, 25) * (0.5 + Math.random())));
    }
  }

  private async stale(): Promise<boolean> {
    try {
      const [text, info] = await Promise.all([readFile(this.path, 'utf8'), stat(this.path)]);
      if (Date.now() - info.mtimeMs > STALE_MS) return true;
      const owner = JSON.parse(text) as { pid?: number; host?: string };
      return owner.host === hostname() && typeof owner.pid === 'number' && owner.pid !== process.pid && !alive(owner.pid);
    } catch {
      // Gone already, or being written this instant: try again rather than guess.
      return false;
    }
  }
}
