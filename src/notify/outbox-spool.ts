import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Target } from '../cases/notify-target.js';
import type { Logger } from '../logger.js';
import { writeFileAtomic } from '../storage/atomic-file.js';
import { DIR_MODE } from '../storage/modes.js';
import { Notice } from './outbox-store.js';

/** What takes a notice to send: the outbox itself, or the spool that hands it to the outbox of the service. */
export interface NoticeQueue {
  enqueue(id: string, target: Target, notice: Notice): Promise<unknown>;
}

const Handed = z.strictObject({ format: z.literal(1), id: z.string().min(1).max(200), target: Target, notice: Notice });

/** How often the service looks for notices handed over, besides being woken by the folder changing. */
export const SPOOL_POLL_MS = 5_000;

/**
 * EKEY_DATA_DIR/outbox/incoming/: notices stored by a process that does not own the outbox (the case CLI
 * beside the running service, which alone writes outbox/notifications.json), one file each, written
 * atomically with fsync (0600) and named by the hash of the notice's id, so that the same move handed
 * over twice is one file. The service takes them into its outbox, at start and whenever they come, and
 * removes each file once the outbox holds its notice; a file taken twice (a crash between) is sent once,
 * the outbox keeping one notice per id. When no service runs they wait for the next start.
 */
export class OutboxSpool implements NoticeQueue {
  readonly dir: string;
  constructor(dataDir: string) {
    this.dir = join(dataDir, 'outbox', 'incoming');
  }

  async enqueue(id: string, target: Target, notice: Notice): Promise<void> {
    const name = `${createHash('sha256').update(id, 'utf8').digest('hex')}.json`;
    await writeFileAtomic(join(this.dir, name), JSON.stringify(Handed.parse({ format: 1, id, target, notice })), { sync: true });
  }

  /** Moves every notice waiting into `into`; a file that does not read is renamed *.damaged and named to `damaged`. */
  async drain(into: NoticeQueue, damaged: (path: string, reason: string) => void): Promise<number> {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => /^[0-9a-f]{64}\.json$/.test(n));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    let taken = 0;
    for (const name of names.sort()) {
      const path = join(this.dir, name);
      let handed: z.infer<typeof Handed>;
      try {
        handed = Handed.parse(JSON.parse(readFileSync(path, 'utf8')));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        renameSync(path, `${path}.damaged`);
        damaged(`${path}.damaged`, (err as Error).message.slice(0, 200));
        continue;
      }
      await into.enqueue(handed.id, handed.target, handed.notice);
      rmSync(path, { force: true });
      taken += 1;
    }
    return taken;
  }

  /**
   * Drains into the outbox now, whenever the folder changes, and every `pollMs` in case a change went
   * unseen; one drain at a time. `stop` ends it and waits for a drain under way.
   */
  follow(into: NoticeQueue, logger: Logger, pollMs = SPOOL_POLL_MS): { stop(): Promise<void> } {
    let running: Promise<unknown> = Promise.resolve();
    let queued = false;
    let stopped = false;
    const kick = () => {
      if (queued || stopped) return;
      queued = true;
      running = running.then(async () => {
        queued = false;
        if (stopped) return;
        try {
          const taken = await this.drain(into, (keptAs, reason) => logger.warn({ keptAs, reason }, 'notice handed over unreadable: kept aside'));
          if (taken > 0) logger.info({ taken }, 'notices handed over taken into the outbox');
        } catch (err) {
          logger.error({ err: { name: (err as Error).name, message: (err as Error).message } }, 'notices handed over could not be taken');
        }
      });
    };
    let watcher: FSWatcher | undefined;
    try {
      mkdirSync(this.dir, { recursive: true, mode: DIR_MODE });
      watcher = watch(this.dir, { persistent: false }, kick);
      watcher.on('error', () => undefined);
    } catch {
      // No watching here (a file system without it): the poll alone finds them.
    }
    const timer = setInterval(kick, pollMs);
    timer.unref();
    kick();
    return {
      async stop() {
        stopped = true;
        clearInterval(timer);
        watcher?.close();
        await running;
      },
    };
  }
}
