import { createHash } from 'node:crypto';
import { beijingDate } from '../dates/beijing.js';
import type { Database } from '../storage/pg/database.js';
import type { CaseAllowance } from './case-quota.js';
import { CaseLimitError } from './errors.js';

const clientId = (client: string) => createHash('sha256').update(client).digest('hex');

/**
 * New cases per client and Beijing day in PostgreSQL (table `case_quota`): a client spreading its
 * requests over the instances gets the one allowance. A case is counted by one upsert that refuses to go
 * past the limit, so two at once cannot both take the last one.
 */
export class PgCaseQuota implements CaseAllowance {
  private swept = '';

  /** `limit` 0: no cap. */
  constructor(
    private readonly db: Database,
    readonly limit: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async take(client: string): Promise<void> {
    if (this.limit <= 0) return;
    const today = beijingDate(this.now());
    if (today !== this.swept) {
      this.swept = today;
      await this.db.query('DELETE FROM case_quota WHERE day < $1', [today]);
    }
    const { rowCount } = await this.db.query(
      `INSERT INTO case_quota (day, client, used) VALUES ($1, $2, 1)
       ON CONFLICT (day, client) DO UPDATE SET used = case_quota.used + 1 WHERE case_quota.used < $3`,
      [today, clientId(client), this.limit],
    );
    if (rowCount !== 1) throw new CaseLimitError(this.limit);
  }

  async giveBack(client: string): Promise<void> {
    if (this.limit <= 0) return;
    await this.db.query('UPDATE case_quota SET used = used - 1 WHERE day = $1 AND client = $2 AND used > 0', [beijingDate(this.now()), clientId(client)]);
  }
}
