import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../storage/atomic-file.js';
import { Target } from '../cases/notify-target.js';

export const Notice = z.strictObject({
  kind: z.enum(['case', 'reminder']),
  lang: z.enum(['zh-CN', 'en']),
  /** The words already in the user's language: a title line and the lines that follow. */
  title: z.string().min(1),
  lines: z.array(z.string()),
  /** For template messages: reference, status or procedure, date, remark. */
  fields: z.record(z.string(), z.string()),
});
export type Notice = z.infer<typeof Notice>;

export const Notification = z.strictObject({
  /** Idempotent: a second enqueue of the same id changes nothing, sent or not. */
  id: z.string().min(1).max(200),
  recipient: z.string().min(1),
  target: Target,
  notice: Notice,
  createdAt: z.number(),
  /** Sequence within the store, so that order per recipient survives a restart. */
  seq: z.number().int().nonnegative(),
  state: z.enum(['pending', 'held', 'sent', 'dropped']),
  attempts: z.number().int().nonnegative(),
  nextAt: z.number(),
  doneAt: z.number().optional(),
});
export type Notification = z.infer<typeof Notification>;

/** The outbox's storage: the embedded file here; a PostgreSQL table implements the same three calls. */
export interface OutboxStore {
  all(): Promise<Notification[]>;
  put(n: Notification): Promise<void>;
  remove(ids: string[]): Promise<void>;
  close(): Promise<void>;
}

const FileData = z.strictObject({ format: z.literal(1), notifications: z.array(Notification) });

export class OutboxStoreError extends Error {
  override name = 'OutboxStoreError';
}

/**
 * EKEY_DATA_DIR/outbox/notifications.json, rewritten atomically (fsync, rename, 0600) at every change:
 * a notice is on disk before any attempt to send it. A file that does not parse stops start-up, untouched.
 */
export class FileOutboxStore implements OutboxStore {
  private constructor(
    private readonly path: string,
    private readonly items: Map<string, Notification>,
  ) {}

  static open(dataDir: string): FileOutboxStore {
    const path = join(dataDir, 'outbox', 'notifications.json');
    let raw: string | undefined;
    try {
      raw = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const items = new Map<string, Notification>();
    if (raw !== undefined) {
      let parsed: z.infer<typeof FileData>;
      try {
        parsed = FileData.parse(JSON.parse(raw));
      } catch (err) {
        throw new OutboxStoreError(`${path}: not a readable outbox (${(err as Error).message.slice(0, 200)}); left as it is`, { cause: err });
      }
      for (const n of parsed.notifications) items.set(n.id, n);
    }
    return new FileOutboxStore(path, items);
  }

  async all(): Promise<Notification[]> {
    return [...this.items.values()].map((n) => ({ ...n }));
  }

  async put(n: Notification): Promise<void> {
    this.items.set(n.id, { ...n });
    await this.write();
  }

  async remove(ids: string[]): Promise<void> {
    let changed = false;
    for (const id of ids) changed = this.items.delete(id) || changed;
    if (changed) await this.write();
  }

  async close(): Promise<void> {}

  private writing: Promise<unknown> = Promise.resolve();

  /** One write at a time, each of the state when it starts: a slower older write never lands last. */
  private write(): Promise<unknown> {
    const run = this.writing.catch(() => undefined).then(() => writeFileAtomic(this.path, JSON.stringify({ format: 1, notifications: [...this.items.values()] }), { sync: true }));
    this.writing = run;
    return run;
  }
}
