import type { Logger } from '../logger.js';
import type { Notice, Notification, OutboxStore } from './outbox-store.js';
import { recipientOf, type Target } from './targets.js';

/** How long stopping waits for a delivery under way. */
const CLOSE_WAIT_MS = 1_000;

/**
 * What a channel answers for one notice: sent; `retry` for a passing failure (timeout, 5xx, busy);
 * `hold` when the user cannot be reached now but will be (a web visitor who comes back); `drop` when it
 * can never be delivered (logged by the sender, never with the user's words).
 */
export type SendResult = 'sent' | 'retry' | 'hold' | 'drop';

export type NoticeSender = (target: Target, notice: Notice, id: string) => Promise<SendResult>;

export interface OutboxOptions {
  /** First wait after a passing failure; doubled at every further one, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Sent and dropped ids are remembered this long, so that the same id is not sent twice. */
  keepDoneMs: number;
  now?: () => number;
}

export const DEFAULT_OUTBOX: OutboxOptions = { baseDelayMs: 5_000, maxDelayMs: 15 * 60_000, keepDoneMs: 90 * 86_400_000 };

/**
 * The durable outbox of the enterprise's notices: each is stored before it is sent, sent by the sender
 * of its channel, retried with exponential backoff while the channel fails, kept across a restart, sent
 * once per id, and in order per recipient: a notice waits while an earlier one to the same user is not
 * through.
 */
export class NotificationOutbox {
  private readonly senders = new Map<Target['kind'], NoticeSender>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private seq = 0;
  private loaded: Promise<void>;
  private readonly items = new Map<string, Notification>();

  constructor(
    private readonly store: OutboxStore,
    private readonly logger: Logger,
    private readonly options: OutboxOptions = DEFAULT_OUTBOX,
  ) {
    this.now = options.now ?? Date.now;
    this.loaded = store.all().then((all) => {
      for (const n of all) {
        this.items.set(n.id, n);
        this.seq = Math.max(this.seq, n.seq + 1);
      }
    });
  }

  /** A channel says how it sends; notices waiting for it are tried at once. */
  register(kind: Target['kind'], sender: NoticeSender): void {
    this.senders.set(kind, sender);
    this.kick();
  }

  /** Stores the notice (once per id) and starts sending it; resolves once it is on disk. */
  async enqueue(id: string, target: Target, notice: Notice): Promise<boolean> {
    await this.loaded;
    if (this.items.has(id)) return false;
    const at = this.now();
    const n: Notification = { id, recipient: recipientOf(target), target, notice, createdAt: at, seq: this.seq++, state: 'pending', attempts: 0, nextAt: at };
    this.items.set(id, n);
    await this.store.put(n);
    this.kick();
    return true;
  }

  /** The user is back (a web visitor's new conversation): what was held for them is tried now. */
  async wake(recipient: string, target?: Target): Promise<void> {
    await this.loaded;
    for (const n of this.items.values()) {
      if (n.recipient !== recipient || n.state !== 'held') continue;
      Object.assign(n, { state: 'pending', nextAt: this.now(), ...(target ? { target } : {}) });
      await this.store.put(n);
    }
    this.kick();
  }

  /** Every notice, oldest first (for the CLI and tests). */
  async list(): Promise<Notification[]> {
    await this.loaded;
    return [...this.items.values()].sort((a, b) => a.seq - b.seq).map((n) => ({ ...n }));
  }

  /** One pass now: sends what is due, in order per recipient. */
  async run(): Promise<void> {
    await this.loaded;
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.closed);
    })().finally(() => {
      this.pumping = undefined;
      this.schedule();
    });
    return this.pumping;
  }

  /** Resolves once nothing is due any more (what waits for a backoff or a returning user is left). */
  async settled(): Promise<void> {
    await this.loaded;
    while (this.pumping) await this.pumping;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    // A delivery under way may hang on a slow channel (the Bot Framework connector retries a refused address
    // for many seconds): stopping waits for it only briefly. A notice it had not confirmed is still pending in
    // the store and goes out at the next start.
    let waited: NodeJS.Timeout | undefined;
    const brief = new Promise<void>((resolve) => (waited = setTimeout(resolve, CLOSE_WAIT_MS)));
    await Promise.race([this.settled().catch(() => undefined), brief]);
    clearTimeout(waited);
    await this.store.close();
  }

  private kick(): void {
    if (!this.closed) void this.run().catch((err: Error) => this.logger.error({ err: { name: err.name, message: err.message } }, 'outbox pass failed'));
  }

  private async pass(): Promise<void> {
    const byRecipient = new Map<string, Notification[]>();
    for (const n of [...this.items.values()].sort((a, b) => a.seq - b.seq)) {
      if (n.state !== 'pending' && n.state !== 'held') continue;
      const queue = byRecipient.get(n.recipient) ?? [];
      queue.push(n);
      byRecipient.set(n.recipient, queue);
    }
    await Promise.all([...byRecipient.values()].map((queue) => this.drain(queue)));
    await this.forgetOld();
  }

  /** Front to back; the first that cannot go now stops its recipient's queue, so none overtakes it. */
  private async drain(queue: Notification[]): Promise<void> {
    for (const n of queue) {
      if (this.closed || n.state === 'held' || n.nextAt > this.now()) return;
      const sender = this.senders.get(n.target.kind);
      if (!sender) return;
      let result: SendResult;
      try {
        result = await sender(n.target, n.notice, n.id);
      } catch (err) {
        this.logger.warn({ err: { name: (err as Error).name, message: (err as Error).message }, channel: n.target.kind }, 'notice sender failed');
        result = 'retry';
      }
      n.attempts += 1;
      if (result === 'sent' || result === 'drop') {
        Object.assign(n, { state: result === 'sent' ? 'sent' : 'dropped', doneAt: this.now() });
      } else if (result === 'hold') {
        n.state = 'held';
      } else {
        n.nextAt = this.now() + Math.min(this.options.baseDelayMs * 2 ** (n.attempts - 1), this.options.maxDelayMs);
        this.logger.info({ channel: n.target.kind, attempts: n.attempts, retryInMs: n.nextAt - this.now() }, 'notice not delivered yet; retrying later');
      }
      await this.store.put(n);
      if (n.state !== 'sent' && n.state !== 'dropped') return;
    }
  }

  private async forgetOld(): Promise<void> {
    const before = this.now() - this.options.keepDoneMs;
    const old = [...this.items.values()].filter((n) => n.doneAt !== undefined && n.doneAt < before).map((n) => n.id);
    for (const id of old) this.items.delete(id);
    if (old.length) await this.store.remove(old);
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    // Only backoffs still to run: a notice due but queued behind one of them waits for its turn.
    const at = this.now();
    const waiting = [...this.items.values()].filter((n) => n.state === 'pending' && n.nextAt > at).map((n) => n.nextAt);
    if (waiting.length === 0) return;
    const delay = Math.min(...waiting) - at;
    this.timer = setTimeout(() => this.kick(), Math.min(delay, 2_147_000_000));
    this.timer.unref();
  }
}
