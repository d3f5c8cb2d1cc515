import { Refusal } from '../../http/refusal.js';

// Written out whole so that scripts/validate sees each key used.
const QUOTA_REASON = { tokens: 'ui:refusals.directline.quota.tokens', conversations: 'ui:refusals.directline.quota.conversations' } as const;

/** At most `limit` grants per client (address) in a sliding window; over it a 429 with Retry-After. */
export class ClientQuota {
  private readonly grants = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(client: string, what: 'tokens' | 'conversations'): void {
    const now = this.now();
    const recent = (this.grants.get(client) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.limit) {
      const retry = Math.max(1, Math.ceil((this.windowMs - (now - (recent[0] as number))) / 1000));
      const params = { count: this.limit, minutes: Math.round(this.windowMs / 60_000) };
      throw new Refusal(429, 'TooManyRequests', { key: QUOTA_REASON[what], params }, { retryAfterSeconds: retry });
    }
    recent.push(now);
    this.grants.set(client, recent);
  }

  /** Forgets clients with no grant left in the window, so the map does not grow without bound. */
  sweep(): void {
    const now = this.now();
    for (const [client, times] of this.grants) {
      const recent = times.filter((t) => now - t < this.windowMs);
      if (recent.length === 0) this.grants.delete(client);
      else this.grants.set(client, recent);
    }
  }
}
