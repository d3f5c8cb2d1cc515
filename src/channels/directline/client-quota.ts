import { Refusal } from './http.js';

/** At most `limit` grants per client (address) in a sliding window; over it a 429 with Retry-After. */
export class ClientQuota {
  private readonly grants = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(client: string, what: string): void {
    const now = this.now();
    const recent = (this.grants.get(client) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.limit) {
      const retry = Math.max(1, Math.ceil((this.windowMs - (now - (recent[0] as number))) / 1000));
      throw new Refusal(429, 'TooManyRequests', `at most ${this.limit} ${what} per client in ${Math.round(this.windowMs / 60_000)} minutes`, retry);
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
