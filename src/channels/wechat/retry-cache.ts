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
