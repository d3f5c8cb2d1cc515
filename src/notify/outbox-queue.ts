import type { Notification, OutboxStore } from './outbox-store.js';
import type { Target } from './targets.js';

/** A notice as enqueued: its place in the order (seq) is the queue's to give. */
export type NewNotification = Omit<Notification, 'seq'>;

export interface ClaimRequest {
  /** The channels this instance can send through: a notice for another waits, and holds its recipient's queue. */
  kinds: Target['kind'][];
  now: number;
  /** Until when the claim holds; an instance gone before settling leaves it to expire, and another sends the notice. */
  until: number;
  limit: number;
  /** Only the next notice of this recipient (a queue drained front to back). */
  recipient?: string;
}

/**
 * What the outbox needs of its storage, so that several instances can share one: a notice is claimed
 * before it is sent, only when it is the first not yet through of its recipient, due, and not claimed by
 * another; it is then settled (its outcome stored, its claim let go) or released untouched.
 */
export interface OutboxQueue {
  /** Stores the notice unless its id is known (sent or not); whether it was new. */
  add(n: NewNotification): Promise<boolean>;
  /** Claims the due first notices of their recipients, oldest first, for `owner`. */
  claim(owner: string, req: ClaimRequest): Promise<Notification[]>;
  /** Stores the outcome of a claimed notice and lets its claim go; false when the claim had been lost. */
  settle(owner: string, n: Notification): Promise<boolean>;
  release(owner: string, ids: string[]): Promise<void>;
  /** The recipient's held notices become due now, to `target` when given. */
  wake(recipient: string, now: number, target?: Target): Promise<void>;
  /** Every notice, oldest first (the CLI and tests). */
  list(): Promise<Notification[]>;
  /** How many notices of this kind still wait to go (not held). */
  pending(kind: Notification['notice']['kind']): Promise<number>;
  /**
   * When a waiting notice of these kinds (those with a sender) next becomes due; it may be `now` or earlier
   * when a backoff ran out while the pass that set it was still ending.
   */
  nextDue(now: number, kinds: readonly string[]): Promise<number | undefined>;
  /** Forgets sent and dropped notices done before `before`. */
  forget(before: number): Promise<void>;
  /** Others may add or settle notices: the outbox looks again from time to time. */
  readonly shared: boolean;
  close(): Promise<void>;
}

export const isQueue = (s: OutboxStore | OutboxQueue): s is OutboxQueue => 'claim' in s;

const open = (n: Notification) => n.state === 'pending' || n.state === 'held';

/**
 * The queue of one process over a store that keeps every notice (the embedded file): the notices in
 * memory, each change written through before it counts. Claims are in memory only: one process sends.
 */
export class StoredQueue implements OutboxQueue {
  readonly shared = false;
  private readonly items = new Map<string, Notification>();
  private readonly claims = new Map<string, { owner: string; until: number }>();
  private seq = 0;
  private readonly loaded: Promise<void>;

  constructor(private readonly store: OutboxStore) {
    this.loaded = store.all().then((all) => {
      for (const n of all) {
        this.items.set(n.id, n);
        this.seq = Math.max(this.seq, n.seq + 1);
      }
    });
  }

  async add(n: NewNotification): Promise<boolean> {
    await this.loaded;
    if (this.items.has(n.id)) return false;
    const stored: Notification = { ...n, seq: this.seq++ };
    this.items.set(n.id, stored);
    await this.store.put(stored);
    return true;
  }

  async claim(owner: string, req: ClaimRequest): Promise<Notification[]> {
    await this.loaded;
    const out: Notification[] = [];
    for (const n of this.heads()) {
      if (out.length >= req.limit) break;
      if (req.recipient !== undefined && n.recipient !== req.recipient) continue;
      if (n.state !== 'pending' || n.nextAt > req.now || !req.kinds.includes(n.target.kind)) continue;
      const held = this.claims.get(n.id);
      if (held && held.until > req.now) continue;
      this.claims.set(n.id, { owner, until: req.until });
      out.push({ ...n });
    }
    return out;
  }

  async settle(owner: string, n: Notification): Promise<boolean> {
    await this.loaded;
    if (this.claims.get(n.id)?.owner !== owner || !this.items.has(n.id)) return false;
    this.claims.delete(n.id);
    const stored = { ...n };
    this.items.set(n.id, stored);
    await this.store.put(stored);
    return true;
  }

  async release(owner: string, ids: string[]): Promise<void> {
    for (const id of ids) if (this.claims.get(id)?.owner === owner) this.claims.delete(id);
  }

  async wake(recipient: string, now: number, target?: Target): Promise<void> {
    await this.loaded;
    for (const n of this.items.values()) {
      if (n.recipient !== recipient || n.state !== 'held') continue;
      Object.assign(n, { state: 'pending', nextAt: now, ...(target ? { target } : {}) });
      await this.store.put(n);
    }
  }

  async list(): Promise<Notification[]> {
    await this.loaded;
    return this.sorted().map((n) => ({ ...n }));
  }

  async pending(kind: Notification['notice']['kind']): Promise<number> {
    await this.loaded;
    return [...this.items.values()].filter((n) => n.state === 'pending' && n.notice.kind === kind).length;
  }

  /**
   * When the next notice that claim() would take falls due: the head of each recipient's queue, as claim()
   * sees it. A head already due counts (its backoff may have run out while the pass that set it was still
   * ending, under load); a notice queued behind a head does not, or it would wake the outbox for nothing.
   */
  async nextDue(_now: number, kinds: readonly string[]): Promise<number | undefined> {
    await this.loaded;
    const waiting = this.heads()
      .filter((n) => n.state === 'pending' && kinds.includes(n.target.kind))
      .map((n) => n.nextAt);
    return waiting.length ? Math.min(...waiting) : undefined;
  }

  /** The first open notice of each recipient, oldest recipient first: the only ones that may go next. */
  private heads(): Notification[] {
    const heads = new Map<string, Notification>();
    for (const n of this.sorted()) if (open(n) && !heads.has(n.recipient)) heads.set(n.recipient, n);
    return [...heads.values()];
  }

  async forget(before: number): Promise<void> {
    await this.loaded;
    const old = [...this.items.values()].filter((n) => n.doneAt !== undefined && n.doneAt < before).map((n) => n.id);
    for (const id of old) this.items.delete(id);
    if (old.length) await this.store.remove(old);
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  private sorted(): Notification[] {
    return [...this.items.values()].sort((a, b) => a.seq - b.seq);
  }
}
