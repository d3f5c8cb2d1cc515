import { beijingDate } from '../dates/beijing.js';
import { CaseLimitError } from './errors.js';

/** What the file case store asks of the daily allowance (PostgreSQL counts it in the insert: pg-store.ts). */
export interface CaseAllowance {
  /** Counts one more case for the client, or throws CaseLimitError when it has had its share today. */
  take(client: string): Promise<void>;
  /** A case that could not be stored after all does not count. */
  giveBack(client: string): Promise<void>;
}

/**
 * New cases per client and Beijing day. Cases are opened without signing in, so without a cap one
 * client fills the store (hundreds a second) and the helpdesk's lists with it. In memory: a restart
 * gives a fresh day's allowance at worst, and the counts are forgotten when the day changes.
 */
export class CaseQuota implements CaseAllowance {
  private day = '';
  private readonly counts = new Map<string, number>();

  /** `limit` 0: no cap. */
  constructor(
    readonly limit: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Counts one more case for the client, or throws CaseLimitError when it has had its share today. */
  async take(client: string): Promise<void> {
    if (this.limit <= 0) return;
    const today = beijingDate(this.now());
    if (today !== this.day) {
      this.day = today;
      this.counts.clear();
    }
    const used = this.counts.get(client) ?? 0;
    if (used >= this.limit) throw new CaseLimitError(this.limit);
    this.counts.set(client, used + 1);
  }

  /** A case that could not be stored after all does not count. */
  async giveBack(client: string): Promise<void> {
    const used = this.counts.get(client);
    if (used) this.counts.set(client, used - 1);
  }
}
