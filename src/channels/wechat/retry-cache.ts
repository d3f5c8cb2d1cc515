/**
 * Remembers, for a few minutes, how each pushed message is being answered, keyed by what WeChat keeps
 * the same across its retries (MsgId; for events, sender and CreateTime). A retry finds the first
 * delivery's entry and shares its answer instead of running the turn again.
 */
export class RetryCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  getOrCreate(key: string, create: () => V): { value: V; first: boolean } {
    const t = this.now();
    const found = this.entries.get(key);
    if (found && found.expiresAt > t) return { value: found.value, first: false };
    this.prune(t);
    const value = create();
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: t + this.ttlMs });
    return { value, first: true };
  }

  delete(key: string, value: V): void {
    if (this.entries.get(key)?.value === value) this.entries.delete(key);
  }

  private prune(t: number): void {
    // Insertion order is expiry order (one TTL for all), so the stale entries are at the front.
    for (const [k, e] of this.entries) {
      if (e.expiresAt > t && this.entries.size < this.maxEntries) break;
      this.entries.delete(k);
    }
  }
}

/** How an answer reaches the user: the passive reply, or the customer-service API once the deadline passed. */
export type Via = 'passive' | 'api';

/** How one pushed message is being answered, shared by WeChat's retries of it, wherever they land. */
export interface SharedAnswer {
  /** Whether this delivery runs the turn; a retry shares the first's answer instead. */
  first: boolean;
  parts: Promise<string[]>;
  /** 'api' is taken only while no way is; 'passive' unless the API took the answer. True when taken. */
  take(via: Via): Promise<boolean>;
  /** True for the one delivery that queues the parts after the first. */
  takeFollowUps(): Promise<boolean>;
  /** Forgets a failed answer, so that a retry runs the turn again rather than share the failure. */
  forget(): Promise<void>;
}

/** The answers of pushed messages, and the (timestamp, nonce) pairs seen, for WeChat's retries and replays. */
export interface AnswerBook {
  /** The message's answer: begun here with `run` if none is under way or kept, else the one that is. */
  begin(key: string, run: () => Promise<string[]>): Promise<SharedAnswer>;
  /** Records the pair as signing `message`; false when it already signed another message (a replay). */
  pairFits(pair: string, message: string): Promise<boolean>;
  /** Forgets what has expired. */
  sweep(): Promise<void>;
}

interface Held {
  parts: Promise<string[]>;
  via?: Via;
  followUpsQueued?: boolean;
}

/** The answer book of one instance, in memory: retries that reach another instance run the turn again. */
export class MemoryAnswerBook implements AnswerBook {
  private readonly answers: RetryCache<Held>;
  private readonly pairs: RetryCache<string>;

  constructor(answerTtlMs: number, pairTtlMs: number) {
    this.answers = new RetryCache<Held>(answerTtlMs);
    this.pairs = new RetryCache<string>(pairTtlMs, 500_000);
  }

  async begin(key: string, run: () => Promise<string[]>): Promise<SharedAnswer> {
    const { value: held, first } = this.answers.getOrCreate(key, () => ({ parts: run() }));
    return {
      first,
      parts: held.parts,
      take: async (via) => {
        if (via === 'api' ? held.via !== undefined : held.via === 'api') return false;
        held.via = via;
        return true;
      },
      takeFollowUps: async () => {
        if (held.followUpsQueued) return false;
        held.followUpsQueued = true;
        return true;
      },
      forget: async () => this.answers.delete(key, held),
    };
  }

  async pairFits(pair: string, message: string): Promise<boolean> {
    const signed = this.pairs.getOrCreate(pair, () => message);
    return signed.first || signed.value === message;
  }

  async sweep(): Promise<void> {}
}
