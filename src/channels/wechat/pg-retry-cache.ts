import { createHash } from 'node:crypto';
import type { Database } from '../../storage/pg/database.js';
import type { AnswerBook, SharedAnswer } from './retry-cache.js';

export interface PgAnswerBookOptions {
  answerTtlMs: number;
  pairTtlMs: number;
  /** Waits between looks at a claim whose turn runs on another instance, growing to the last. */
  pollMs?: number[];
  /** How long a retry waits for another instance's turn at most. */
  waitMs?: number;
  now?: () => number;
}

const POLL_MS = [25, 50, 100, 200, 250];

/** The keys name the sender's openid: only their digests are kept. */
const digest = (text: string) => createHash('sha256').update(text).digest('hex');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * WeChat's retries shared through PostgreSQL (migrations/0004), so that retries landing on several
 * instances get one turn and the same reply: the first inserts a claim (ON CONFLICT DO NOTHING, or takes
 * an expired one), runs the turn and stores its parts; a retry that finds the claim polls it for the parts.
 * A failed turn deletes its claim: a retry still waiting shares the failure, a later one runs the turn anew.
 * Which delivery sends the passive reply, and which queues the follow-ups, is taken by conditional updates.
 */
export class PgAnswerBook implements AnswerBook {
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    private readonly options: PgAnswerBookOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async begin(key: string, run: () => Promise<string[]>): Promise<SharedAnswer> {
    const id = digest(key);
    const now = this.now();
    const { rowCount } = await this.db.query(
      `INSERT INTO wechat_answers (key, expires_at) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET parts = NULL, via = NULL, follow_ups = false, expires_at = EXCLUDED.expires_at
       WHERE wechat_answers.expires_at <= $3`,
      [id, now + this.options.answerTtlMs, now],
    );
    const first = rowCount === 1;
    const parts = first ? this.run(id, run) : this.await(id);
    // Whoever awaits it is told; unawaited, a failure must not become an unhandled rejection.
    parts.catch(() => undefined);
    const taken = async (sql: string) => ((await this.db.query(sql, [id])).rowCount ?? 0) === 1;
    return {
      first,
      parts,
      take: (via) =>
        taken(
          via === 'api'
            ? `UPDATE wechat_answers SET via = 'api' WHERE key = $1 AND via IS NULL`
            : `UPDATE wechat_answers SET via = 'passive' WHERE key = $1 AND (via IS NULL OR via = 'passive')`,
        ),
      takeFollowUps: () => taken('UPDATE wechat_answers SET follow_ups = true WHERE key = $1 AND NOT follow_ups'),
      forget: async () => {
        await this.db.query('DELETE FROM wechat_answers WHERE key = $1 AND parts IS NULL', [id]);
      },
    };
  }

  async pairFits(pair: string, message: string): Promise<boolean> {
    const [p, m] = [digest(pair), digest(message)];
    const now = this.now();
    const { rows } = await this.db.query<{ message: string }>(
      `INSERT INTO wechat_nonces (pair, message, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (pair) DO UPDATE SET message = EXCLUDED.message, expires_at = EXCLUDED.expires_at WHERE wechat_nonces.expires_at <= $4
       RETURNING message`,
      [p, m, now + this.options.pairTtlMs, now],
    );
    if (rows.length > 0) return true;
    const { rows: kept } = await this.db.query<{ message: string }>('SELECT message FROM wechat_nonces WHERE pair = $1', [p]);
    return (kept[0]?.message ?? m) === m;
  }

  async sweep(): Promise<void> {
    const now = this.now();
    await this.db.query('DELETE FROM wechat_answers WHERE expires_at <= $1', [now]);
    await this.db.query('DELETE FROM wechat_nonces WHERE expires_at <= $1', [now]);
  }

  /** Runs the turn and stores its parts for the retries; a failure removes the claim. */
  private async run(id: string, run: () => Promise<string[]>): Promise<string[]> {
    let parts: string[];
    try {
      parts = await run();
    } catch (err) {
      await this.db.query('DELETE FROM wechat_answers WHERE key = $1 AND parts IS NULL', [id]).catch(() => undefined);
      throw err;
    }
    // The turn's answer stands even if it cannot be shared: the retries waiting are then told it failed.
    await this.db.query('UPDATE wechat_answers SET parts = $2 WHERE key = $1', [id, JSON.stringify(parts)]).catch(async () => {
      await this.db.query('DELETE FROM wechat_answers WHERE key = $1', [id]).catch(() => undefined);
    });
    return parts;
  }

  /** The parts of a turn under way elsewhere, once stored; a claim that disappears is a turn that failed. */
  private async await(id: string): Promise<string[]> {
    const delays = this.options.pollMs ?? POLL_MS;
    const end = Date.now() + (this.options.waitMs ?? 120_000);
    for (let n = 0; ; n++) {
      const { rows } = await this.db.query<{ parts: string[] | null }>('SELECT parts FROM wechat_answers WHERE key = $1', [id]);
      const row = rows[0];
      if (!row) throw new Error('the first delivery of this message failed');
      if (row.parts !== null) return row.parts;
      if (Date.now() > end) throw new Error('the first delivery of this message did not finish');
      await sleep(delays[Math.min(n, delays.length - 1)] ?? 250);
    }
  }
}
