import type { Database } from '../storage/pg/database.js';
import { conversationId, type ConversationStore } from './state-store.js';
import type { ConversationState } from './state.js';

/** A write that found the conversation changed since its turn read it: the turn fails rather than overwrite. */
export class ConversationConflictError extends Error {
  override name = 'ConversationConflictError';
}

/** The advisory-lock class of conversation turns (the two-key form, apart from node-pg-migrate's one-key lock). */
const TURN_LOCK_CLASS = 7301;

/**
 * Conversations in PostgreSQL (table `conversations`), for several instances behind one address: every
 * turn reads and writes its row, under an advisory lock on the conversation held for the whole turn, so
 * two turns of one conversation on two instances run one after the other. Each row carries a version;
 * a write checks the version its turn read, so a turn that somehow ran unlocked fails instead of
 * overwriting another's answers. A conversation silent past its time to live is not read and is swept.
 */
export class PgConversationStore implements ConversationStore {
  /** The version each conversation had when its current turn read it. */
  private readonly read = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly ttlMs: number,
  ) {}

  async get(key: string): Promise<ConversationState | undefined> {
    const id = conversationId(key);
    const { rows } = await this.db.query<{ state: ConversationState; version: number }>(
      `SELECT state, version FROM conversations WHERE id = $1 AND updated_at > now() - make_interval(secs => $2)`,
      [id, this.ttlMs / 1000],
    );
    const row = rows[0];
    this.remember(id, row?.version ?? 0);
    return row?.state;
  }

  async set(key: string, state: ConversationState): Promise<void> {
    const id = conversationId(key);
    const version = this.read.get(id);
    this.read.delete(id);
    // A state read as absent (or expired) may replace an expired row; one read at version n replaces only n.
    const { rowCount } =
      version === undefined || version === 0
        ? await this.db.query(
            `INSERT INTO conversations (id, state) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, version = conversations.version + 1, updated_at = now()
             WHERE $3::boolean OR conversations.updated_at <= now() - make_interval(secs => $4)`,
            [id, state, version === undefined, this.ttlMs / 1000],
          )
        : await this.db.query(`UPDATE conversations SET state = $2, version = version + 1, updated_at = now() WHERE id = $1 AND version = $3`, [id, state, version]);
    if (rowCount !== 1) throw new ConversationConflictError('the conversation changed during the turn');
  }

  async delete(key: string): Promise<void> {
    const id = conversationId(key);
    this.read.delete(id);
    await this.db.query('DELETE FROM conversations WHERE id = $1', [id]);
  }

  async sweep(): Promise<number> {
    const { rowCount } = await this.db.query(`DELETE FROM conversations WHERE updated_at <= now() - make_interval(secs => $1)`, [this.ttlMs / 1000]);
    return rowCount ?? 0;
  }

  async exclusive<T>(key: string, turn: () => Promise<T>): Promise<T> {
    return this.db.withLock(TURN_LOCK_CLASS, conversationId(key), turn);
  }

  /** The database is the application's to close: every store of the instance shares it. */
  async close(): Promise<void> {}

  private remember(id: string, version: number): void {
    this.read.delete(id);
    this.read.set(id, version);
    // Reads without a write (a turn refused as too fast) must not pile up.
    if (this.read.size > 10_000) this.read.delete(this.read.keys().next().value as string);
  }
}
