import { createHash } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../logger.js';
import { writeFileAtomic } from '../../storage/atomic-file.js';
import { KeyedQueue } from '../../storage/keyed-queue.js';
import { WechatApiError } from './api.js';

export interface OutboxOptions {
  dataDir: string;
  /** Waits this long after the passive reply, so that WeChat shows it before the parts that follow. */
  startDelayMs: number;
  /** Waits between tries of a part that failed for a passing reason (timeout, busy, server error). */
  retryDelaysMs: number[];
  /** Undelivered parts older than this are dropped rather than sent out of context. */
  keepMs: number;
  now?: () => number;
}

export interface TextSender {
  sendText(openid: string, content: string): Promise<void>;
}

interface Entry {
  parts: string[];
  savedAt: number;
  /** Bumped when the parts are taken or forgotten, so that a delivery under way does not drop a newer part. */
  generation: number;
  draining?: Promise<void>;
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    if (ms <= 0) return resolve();
    setTimeout(resolve, ms).unref();
  });

/**
 * The parts of a reply that did not fit the passive reply, per user, sent in order through the
 * customer-service API. A part that cannot be sent (the API refuses it: 45015 reply window closed, 45047
 * quota, no permission; or passing failures that outlast the retries) stops the delivery and stays,
 * on disk, until the user writes again: the next reply then begins with it. So nothing is lost and
 * nothing overtakes an earlier part.
 */
export class Outbox {
  private readonly entries = new Map<string, Entry>();
  private readonly locks = new KeyedQueue();
  private readonly dir: string;
  private readonly now: () => number;

  constructor(
    private readonly sender: TextSender,
    private readonly logger: Logger,
    private readonly options: OutboxOptions,
  ) {
    this.dir = join(options.dataDir, 'wechat-outbox');
    this.now = options.now ?? Date.now;
  }

  /** Queues parts behind whatever this user still has to receive and starts sending them. */
  deliver(openid: string, parts: string[]): Promise<void> {
    if (parts.length === 0) return Promise.resolve();
    return this.locked(openid, async () => {
      const entry = await this.load(openid);
      entry.parts.push(...parts);
      await this.save(openid, entry);
      entry.draining ??= this.drain(openid, entry, this.options.startDelayMs);
    });
  }

  /** The parts that could not be sent, taken out to open the next reply; none while a delivery is under way. */
  takeUndelivered(openid: string): Promise<string[]> {
    return this.locked(openid, async () => {
      const entry = await this.load(openid);
      if (entry.draining || entry.parts.length === 0) return [];
      const parts = entry.parts;
      entry.parts = [];
      entry.generation += 1;
      await this.save(openid, entry);
      return parts;
    });
  }

  /** The user unsubscribed: what was not yet sent is of no use to anyone. */
  forget(openid: string): Promise<void> {
    return this.locked(openid, async () => {
      const entry = await this.load(openid);
      entry.parts = [];
      entry.generation += 1;
      await this.save(openid, entry);
    });
  }

  /** Resolves once no delivery is under way (for tests and an orderly stop). */
  async settled(): Promise<void> {
    for (;;) {
      const running = [...this.entries.values()].map((e) => e.draining).filter(Boolean);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  private async drain(openid: string, entry: Entry, delayMs: number): Promise<void> {
    try {
      await this.drainParts(openid, entry, delayMs);
    } catch {
      // A store that cannot be written must not leave the user marked as "delivery under way" for ever.
      this.logger.error({ channel: 'wechat' }, 'outbox delivery stopped by a storage error');
      this.finish(openid, entry);
    }
  }

  private async drainParts(openid: string, entry: Entry, delayMs: number): Promise<void> {
    await sleep(delayMs);
    for (;;) {
      const next = await this.locked(openid, async () => {
        const part = entry.parts[0];
        if (part === undefined) this.finish(openid, entry);
        return part === undefined ? undefined : { part, generation: entry.generation };
      });
      if (!next) return;
      const sent = await this.send(openid, next.part);
      const more = await this.locked(openid, async () => {
        if (!sent) {
          this.finish(openid, entry);
          return false;
        }
        if (entry.generation === next.generation) {
          entry.parts.shift();
          await this.save(openid, entry);
        }
        return true;
      });
      if (!more) return;
    }
  }

  private finish(openid: string, entry: Entry): void {
    entry.draining = undefined;
    if (entry.parts.length === 0 && this.entries.get(openid) === entry) this.entries.delete(openid);
  }

  private async send(openid: string, part: string): Promise<boolean> {
    const delays = this.options.retryDelaysMs;
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.sender.sendText(openid, part);
        return true;
      } catch (err) {
        const api = err instanceof WechatApiError ? err : undefined;
        const retry = api?.transient === true && attempt < delays.length;
        this.logger.warn(
          { channel: 'wechat', kind: api?.kind ?? 'error', errcode: api?.errcode, status: api?.status, attempt: attempt + 1, willRetry: retry },
          retry ? 'customer-service message failed; retrying' : 'customer-service message not delivered; kept for the next reply',
        );
        if (!retry) return false;
        await sleep(delays[attempt] ?? 0);
      }
    }
  }

  private file(openid: string): string {
    return join(this.dir, `${createHash('sha256').update(openid).digest('hex').slice(0, 40)}.json`);
  }

  private async load(openid: string): Promise<Entry> {
    let entry = this.entries.get(openid);
    if (entry) return entry;
    entry = { parts: [], savedAt: this.now(), generation: 0 };
    const path = this.file(openid);
    let raw: string | undefined;
    try {
      raw = await readFile(path, 'utf8');
    } catch {
      raw = undefined;
    }
    if (raw !== undefined) {
      try {
        const stored = JSON.parse(raw) as { savedAt: number; parts: unknown };
        const parts = Array.isArray(stored.parts) ? stored.parts.filter((p): p is string => typeof p === 'string') : [];
        if (this.now() - Number(stored.savedAt) <= this.options.keepMs) entry.parts = parts;
      } catch {
        // Kept aside rather than overwritten, so that whoever looks into it still can.
        await rename(path, `${path}.corrupt`).catch(() => undefined);
        this.logger.warn({ channel: 'wechat' }, 'unreadable outbox file set aside');
      }
    }
    this.entries.set(openid, entry);
    return entry;
  }

  private async save(openid: string, entry: Entry): Promise<void> {
    entry.savedAt = this.now();
    if (entry.parts.length === 0 && !entry.draining && this.entries.get(openid) === entry) this.entries.delete(openid);
    if (entry.parts.length === 0) await rm(this.file(openid), { force: true });
    else await writeFileAtomic(this.file(openid), JSON.stringify({ savedAt: entry.savedAt, parts: entry.parts }));
  }

  private locked<T>(openid: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(openid, fn);
  }
}
