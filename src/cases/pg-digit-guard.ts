import type { Database } from '../storage/pg/database.js';
import { countFailure, type DigitChecks, type DigitGuardOptions, type GuardLimits, guardLimits, tellFailure } from './digit-guard.js';

/**
 * The digit check's counters in PostgreSQL (table `digit_checks`), so that a reference locked on one
 * instance is locked on all, and failures spread over instances add up. A failure is counted under the
 * row's lock, with the same rule as the file's.
 */
export class PgDigitGuard implements DigitChecks {
  private readonly limits: GuardLimits;
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    private readonly options: DigitGuardOptions = {},
  ) {
    this.limits = guardLimits(options);
    this.now = options.now ?? Date.now;
  }

  async locked(reference: string): Promise<boolean> {
    const { rows } = await this.db.query('SELECT 1 FROM digit_checks WHERE reference = $1 AND locked_until > $2', [reference, this.now()]);
    return rows.length > 0;
  }

  async fail(reference: string, channel: string): Promise<boolean> {
    const t = this.now();
    const counted = await this.db.transaction(async (client) => {
      await client.query('INSERT INTO digit_checks (reference) VALUES ($1) ON CONFLICT (reference) DO NOTHING', [reference]);
      const { rows } = await client.query<{ failures: string[]; locked_until: string | null }>('SELECT failures, locked_until FROM digit_checks WHERE reference = $1 FOR UPDATE', [
        reference,
      ]);
      const row = rows[0];
      const before = row ? { failures: row.failures.map(Number), ...(row.locked_until !== null ? { lockedUntil: Number(row.locked_until) } : {}) } : undefined;
      const next = countFailure(before, t, this.limits);
      await client.query('UPDATE digit_checks SET failures = $2, locked_until = $3 WHERE reference = $1', [reference, next.entry.failures, next.entry.lockedUntil ?? null]);
      return next;
    });
    // Failures are rare: forgetting what no longer counts here keeps the table to the references under attack.
    await this.db.query('DELETE FROM digit_checks WHERE (locked_until IS NULL OR locked_until <= $1) AND NOT EXISTS (SELECT 1 FROM unnest(failures) f WHERE f > $1 - $2)', [
      t,
      this.limits.windowMs,
    ]);
    tellFailure(this.options, reference, channel, counted, this.limits.maxFailures);
    return counted.lockNow;
  }
}
