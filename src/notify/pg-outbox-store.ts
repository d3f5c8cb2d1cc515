import type { Database } from '../storage/pg/database.js';
import type { ClaimRequest, NewNotification, OutboxQueue } from './outbox-queue.js';
import type { Notification } from './outbox-store.js';
import type { Target } from './targets.js';

interface Row {
  id: string;
  seq: string;
  recipient: string;
  target: Notification['target'];
  notice: Notification['notice'];
  created_at: string;
  state: Notification['state'];
  attempts: number;
  next_at: string;
  done_at: string | null;
}

const COLUMNS = 'id, seq, recipient, target, notice, created_at, state, attempts, next_at, done_at';

const toNotification = (r: Row): Notification => ({
  id: r.id,
  recipient: r.recipient,
  target: r.target,
  notice: r.notice,
  createdAt: Number(r.created_at),
  seq: Number(r.seq),
  state: r.state,
  attempts: r.attempts,
  nextAt: Number(r.next_at),
  ...(r.done_at !== null ? { doneAt: Number(r.done_at) } : {}),
});

/**
 * The outbox in PostgreSQL (table `outbox`), shared by every instance on the database. A notice is
 * claimed in one statement: the first open notice of each recipient (pending or held, by seq) that is
 * pending, due, for a channel the instance sends through and not claimed by another, locked FOR UPDATE
 * SKIP LOCKED so that two instances claiming at once take different notices, and re-checked on the row
 * as it is locked, so that one just claimed or settled by another is passed over. Nothing is read whole.
 */
export class PgOutboxStore implements OutboxQueue {
  readonly shared = true;
  constructor(private readonly db: Database) {}

  async add(n: NewNotification): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO outbox (id, recipient, target_kind, target, notice, created_at, state, attempts, next_at, done_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
      [n.id, n.recipient, n.target.kind, n.target, n.notice, n.createdAt, n.state, n.attempts, n.nextAt, n.doneAt ?? null],
    );
    return rowCount === 1;
  }

  async claim(owner: string, req: ClaimRequest): Promise<Notification[]> {
    const { rows } = await this.db.query<Row>(
      `UPDATE outbox SET claimed_by = $1, claimed_until = $2
       WHERE id IN (
         SELECT c.id FROM outbox c
         WHERE c.id IN (SELECT DISTINCT ON (recipient) id FROM outbox WHERE state IN ('pending', 'held') AND ($6::text IS NULL OR recipient = $6) ORDER BY recipient, seq)
           AND c.state = 'pending' AND c.next_at <= $3 AND (c.claimed_until IS NULL OR c.claimed_until <= $3) AND c.target_kind = ANY($4::text[])
         ORDER BY c.seq LIMIT $5
         FOR UPDATE OF c SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      [owner, req.until, req.now, req.kinds, req.limit, req.recipient ?? null],
    );
    return rows.map(toNotification).sort((a, b) => a.seq - b.seq);
  }

  async settle(owner: string, n: Notification): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE outbox SET state = $3, attempts = $4, next_at = $5, done_at = $6, target = $7, target_kind = $8, claimed_by = NULL, claimed_until = NULL
       WHERE id = $1 AND claimed_by = $2`,
      [n.id, owner, n.state, n.attempts, n.nextAt, n.doneAt ?? null, n.target, n.target.kind],
    );
    return rowCount === 1;
  }

  async release(owner: string, ids: string[]): Promise<void> {
    if (ids.length) await this.db.query('UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE id = ANY($1::text[]) AND claimed_by = $2', [ids, owner]);
  }

  async wake(recipient: string, now: number, target?: Target): Promise<void> {
    await this.db.query(
      `UPDATE outbox SET state = 'pending', next_at = $2, target = COALESCE($3, target), target_kind = COALESCE($4, target_kind)
       WHERE recipient = $1 AND state = 'held'`,
      [recipient, now, target ?? null, target?.kind ?? null],
    );
  }

  async list(): Promise<Notification[]> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM outbox ORDER BY seq`);
    return rows.map(toNotification);
  }

  async pending(kind: Notification['notice']['kind']): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>(`SELECT count(*) AS n FROM outbox WHERE state = 'pending' AND notice->>'kind' = $1`, [kind]);
    return Number(rows[0]?.n ?? 0);
  }

  /** Backoffs still to run only: a due notice here may be queued behind another, and the queue is polled anyway. */
  async nextDue(now: number): Promise<number | undefined> {
    const { rows } = await this.db.query<{ at: string | null }>(`SELECT min(next_at) AS at FROM outbox WHERE state = 'pending' AND next_at > $1`, [now]);
    return rows[0]?.at != null ? Number(rows[0].at) : undefined;
  }

  async forget(before: number): Promise<void> {
    await this.db.query('DELETE FROM outbox WHERE done_at IS NOT NULL AND done_at < $1', [before]);
  }

  /** The database is the application's to close. */
  async close(): Promise<void> {}
}
