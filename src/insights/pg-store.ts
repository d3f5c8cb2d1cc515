import type { Language } from '../knowledge/schema.js';
import type { Database } from '../storage/pg/database.js';
import type { Scrubber } from './scrub.js';
import { feedbackKeys, type Insights, type InsightsKeeper } from './store.js';

export interface PgInsightsOptions {
  scrubber: Scrubber;
  /** Messages not understood kept: the latest this many. */
  limit?: number;
  now?: () => Date;
}

/**
 * Insights in PostgreSQL (tables insights_not_understood, insights_feedback), told by every instance and
 * read whole by none but the content owners' request. A turn does not wait for its insight to be
 * written; a write that fails is lost, as a few seconds of the file would be.
 */
export class PgInsightsStore implements InsightsKeeper {
  /** One write after another, in the order told: the latest kept are the latest told. */
  private writes: Promise<void> = Promise.resolve();
  private readonly limit: number;
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    private readonly options: PgInsightsOptions,
  ) {
    this.limit = options.limit ?? 1_000;
    this.now = options.now ?? (() => new Date());
  }

  feedback(e: { procedures: string[]; rule: string; helpful: boolean }): void {
    const keys = feedbackKeys(e);
    this.track(() =>
      this.db.query(
        `INSERT INTO insights_feedback (key, helpful, not_helpful) SELECT k, $2, $3 FROM unnest($1::text[]) AS k
         ON CONFLICT (key) DO UPDATE SET helpful = insights_feedback.helpful + EXCLUDED.helpful, not_helpful = insights_feedback.not_helpful + EXCLUDED.not_helpful`,
        [keys, e.helpful ? 1 : 0, e.helpful ? 0 : 1],
      ),
    );
  }

  notUnderstood(e: { text: string; question?: string; lang: Language }): void {
    const text = this.options.scrubber.scrub(e.text);
    if (!text) return;
    const at = this.now();
    this.track(async () => {
      await this.db.query('INSERT INTO insights_not_understood (text, question, lang, at) VALUES ($1, $2, $3, $4)', [text, e.question ?? null, e.lang, at]);
      await this.db.query('DELETE FROM insights_not_understood WHERE id <= (SELECT id FROM insights_not_understood ORDER BY id DESC OFFSET $1 LIMIT 1)', [this.limit]);
    });
  }

  async snapshot(): Promise<Insights> {
    await this.flush();
    const [feedback, notUnderstood] = await Promise.all([
      this.db.query<{ key: string; helpful: number; not_helpful: number }>('SELECT key, helpful, not_helpful FROM insights_feedback ORDER BY key'),
      this.db.query<{ text: string; question: string | null; lang: string; at: Date }>(
        'SELECT text, question, lang, at FROM (SELECT * FROM insights_not_understood ORDER BY id DESC LIMIT $1) latest ORDER BY id',
        [this.limit],
      ),
    ]);
    return {
      version: 1,
      feedback: Object.fromEntries(feedback.rows.map((r) => [r.key, { helpful: r.helpful, notHelpful: r.not_helpful }])),
      notUnderstood: notUnderstood.rows.map((r) => ({ text: r.text, ...(r.question !== null ? { question: r.question } : {}), lang: r.lang, at: r.at.toISOString() })),
    };
  }

  async expire(days: number): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM insights_not_understood WHERE at < $1', [new Date(this.now().getTime() - days * 86_400_000)]);
    return rowCount ?? 0;
  }

  async flush(): Promise<void> {
    await this.writes;
  }

  private track(write: () => Promise<unknown>): void {
    this.writes = this.writes.then(write).then(
      () => undefined,
      () => undefined,
    );
  }
}
