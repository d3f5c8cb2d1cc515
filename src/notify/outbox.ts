import type { Logger } from '../logger.js';
import { randomBytes } from 'node:crypto';
import type { Notice, Notification, OutboxStore } from './outbox-store.js';
import { isQueue, type OutboxQueue, StoredQueue } from './outbox-queue.js';
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
  /** How long a claimed notice stays this instance's to send; longer than any one send takes. */
  claimMs?: number;
  /** How often a shared outbox looks for notices other instances added or left (a claim that expired). */
  pollMs?: number;
  now?: () => number;
}

export const DEFAULT_OUTBOX: OutboxOptions = { baseDelayMs: 5_000, maxDelayMs: 15 * 60_000, keepDoneMs: 90 * 86_400_000 };

/** Notices claimed at a time; more are claimed while a pass finds as many. */
const BATCH = 50;
const CLAIM_MS = 120_000;
const POLL_MS = 2_000;

/**
 * The durable outbox of the enterprise's notices: each is stored before it is sent, sent by the sender
 * of its channel, retried with exponential backoff while the channel fails, kept across a restart, sent
 * once per id, and in order per recipient: a notice waits while an earlier one to the same user is not
 * through. On a shared queue (PostgreSQL) every notice is claimed before it is sent, so however many
 * instances run, each is sent by one of them.
 */
export class NotificationOutbox {
  private readonly senders = new Map<Target['kind'], NoticeSender>();
  private readonly now: () => number;
  private readonly queue: OutboxQueue;
  /** This instance, as the owner of its claims. */
  private readonly owner = randomBytes(8).toString('hex');
  private timer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    store: OutboxStore | OutboxQueue,
    private readonly logger: Logger,
    private readonly options: OutboxOptions = DEFAULT_OUTBOX,
  ) {
    this.now = options.now ?? Date.now;
    this.queue = isQueue(store) ? store : new StoredQueue(store);
  }

  /** A channel says how it sends; notices waiting for it are tried at once. */
  register(kind: Target['kind'], sender: NoticeSender): void {
    this.senders.set(kind, sender);
    this.kick();
  }

  /** Stores the notice (once per id) and starts sending it; resolves once it is stored. */
  async enqueue(id: string, target: Target, notice: Notice): Promise<boolean> {
    const at = this.now();
    const added = await this.queue.add({ id, recipient: recipientOf(target), target, notice, createdAt: at, state: 'pending', attempts: 0, nextAt: at });
    if (added) this.kick();
    return added;
  }

  /** The user is back (a web visitor's new conversation): what was held for them is tried now. */
  async wake(recipient: string, target?: Target): Promise<void> {
    await this.queue.wake(recipient, this.now(), target);
    this.kick();
  }

  /** Every notice, oldest first (for the CLI and tests). */
  list(): Promise<Notification[]> {
    return this.queue.list();
  }

  /** How many notices of a kind still wait to be sent (held ones not counted). */
  pending(kind: Notice['kind']): Promise<number> {
    return this.queue.pending(kind);
  }

  /** One pass now: sends what is due, in order per recipient. */
  async run(): Promise<void> {
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
      void this.schedule().catch((err: Error) => this.logger.error({ err: { name: err.name, message: err.message } }, 'outbox schedule failed'));
    });
    return this.pumping;
  }

  /** Resolves once nothing is due any more (what waits for a backoff or a returning user is left). */
  async settled(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    // A delivery under way may hang on a slow channel (the Bot Framework connector retries a refused address
    // for many seconds): stopping waits for it only briefly. A notice it had not confirmed is still pending in
    // the store and goes out at the next start (or, shared, from another instance once its claim expires).
    let waited: NodeJS.Timeout | undefined;
    const brief = new Promise<void>((resolve) => (waited = setTimeout(resolve, CLOSE_WAIT_MS)));
    await Promise.race([this.settled().catch(() => undefined), brief]);
    clearTimeout(waited);
    await this.queue.close();
  }

  private kick(): void {
    if (!this.closed) void this.run().catch((err: Error) => this.logger.error({ err: { name: err.name, message: err.message } }, 'outbox pass failed'));
  }

  private claimFor(limit: number, recipient?: string): Promise<Notification[]> {
    const now = this.now();
    const kinds = [...this.senders.keys()];
    return this.queue.claim(this.owner, { kinds, now, until: now + (this.options.claimMs ?? CLAIM_MS), limit, ...(recipient !== undefined ? { recipient } : {}) });
  }

  private async pass(): Promise<void> {
    if (this.senders.size > 0) {
      let batch: Notification[];
      do {
        batch = await this.claimFor(BATCH);
        await Promise.all(batch.map((n) => this.drain(n)));
      } while (batch.length === BATCH && !this.closed);
    }
    await this.queue.forget(this.now() - this.options.keepDoneMs);
  }

  /** Front to back of one recipient's queue; the first that cannot go now stops it, so none overtakes it. */
  private async drain(first: Notification): Promise<void> {
    let n: Notification | undefined = first;
    while (n) {
      if (this.closed) return this.queue.release(this.owner, [n.id]);
      await this.deliver(n);
      if (!(await this.queue.settle(this.owner, n))) {
        this.logger.warn({ channel: n.target.kind }, 'notice claim expired during its send; another instance may send it again');
        return;
      }
      if (n.state !== 'sent' && n.state !== 'dropped') return;
      n = (await this.claimFor(1, n.recipient))[0];
    }
  }

  private async deliver(n: Notification): Promise<void> {
    const sender = this.senders.get(n.target.kind) as NoticeSender;
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
  }

  private async schedule(): Promise<void> {
    if (this.closed) return;
    // The next notice that can go (a recipient's first, of a channel with a sender), due already if its
    // backoff ran out while the pass was ending. A shared queue is looked at again anyway: another instance
    // may have added to it or left a claim to expire.
    const at = this.now();
    const next = await this.queue.nextDue(at, [...this.senders.keys()]);
    const delays = [...(next !== undefined ? [Math.max(0, next - at)] : []), ...(this.queue.shared ? [this.options.pollMs ?? POLL_MS] : [])];
    if (this.closed || delays.length === 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), Math.min(...delays, 2_147_000_000));
    this.timer.unref();
  }
}
