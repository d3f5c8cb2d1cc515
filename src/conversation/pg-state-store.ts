import type pg from 'pg';
import { KeyedQueue } from '../storage/keyed-queue.js';
import type { Database } from '../storage/pg/database.js';
import { TurnBatch, type BegunTurn } from './pg-turn-batch.js';
import { conversationId, type ConversationStore } from './state-store.js';
import type { ConversationState } from './state.js';

export { ConversationCommitError, ConversationLockedError } from './pg-turn-batch.js';

/** A write that found the conversation changed since its turn read it: the turn fails rather than overwrite. */
export class ConversationConflictError extends Error {
  override name = 'ConversationConflictError';
}

/** A row as stored: the state is JSON text, parsed in node (PostgreSQL need not parse and print jsonb every turn). */
interface Row {
  state: string;
  version: number;
}

/** A turn under way: its lock and the row as the turn found it, and what it will write. */
interface HeldTurn {
  begun: BegunTurn;
  state?: string;
  /** The state the turn set, written with the commit. */
  written?: string;
}

// Named, so that each connection parses and plans them once; the hot path runs them every turn.
const SELECT = { name: 'conversation-get', text: 'SELECT state, version FROM conversations WHERE id = $1 AND updated_at > now() - make_interval(secs => $2)' };
const UPDATE = {
  name: 'conversation-update',
  text: 'UPDATE conversations SET state = $2, version = version + 1, updated_at = now() WHERE id = $1 AND version = $3 RETURNING version',
};
const UPSERT = {
  name: 'conversation-upsert',
  text: `INSERT INTO conversations (id, state) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, version = conversations.version + 1, updated_at = now()
         WHERE $3::boolean OR conversations.updated_at <= now() - make_interval(secs => $4)
         RETURNING version`,
};

/**
 * Conversations in PostgreSQL (table `conversations`), for several instances behind one address. A turn
 * holds an advisory lock on its conversation from before it reads the row until what it wrote is
 * committed, so two turns of one conversation on two instances run one after the other, the second
 * reading what the first committed; the instance's turns take, read, write and let go on one connection,
 * in batches (TurnBatch). Each row carries a version; a write checks the version its turn read, so a turn
 * that somehow ran unlocked fails instead of overwriting another's answers. A conversation silent past its
 * time to live is not read and is swept.
 */
export class PgConversationStore implements ConversationStore {
  /** The version each conversation had when a read outside a turn saw it. */
  private readonly read = new Map<string, number>();
  /** The turns this instance runs now, by conversation id. */
  private readonly held = new Map<string, HeldTurn>();
  /** Each conversation's last turn on this instance: the next waits for it (the session's locks would let it in). */
  private readonly queue = new KeyedQueue();
  private readonly turns: TurnBatch;

  constructor(
    private readonly db: Database,
    private readonly ttlMs: number,
    options: { lockWaitMs?: number } = {},
  ) {
    this.turns = new TurnBatch({ ttlMs, connect: () => db.connect(), ...options });
  }

  async get(key: string): Promise<ConversationState | undefined> {
    const id = conversationId(key);
    const turn = this.held.get(id);
    // A fresh copy each time: the caller changes it in place.
    if (turn) return turn.state === undefined ? undefined : (JSON.parse(turn.state) as ConversationState);
    const { rows } = await this.db.pool.query<Row>({ ...SELECT, values: [id, this.ttlMs / 1000] });
    const row = rows[0];
    this.remember(id, row?.version ?? 0);
    return row ? (JSON.parse(row.state) as ConversationState) : undefined;
  }

  async set(key: string, state: ConversationState): Promise<void> {
    const id = conversationId(key);
    const turn = this.held.get(id);
    const text = JSON.stringify(state);
    // Within a turn the state is written with the commit, in the same round trip.
    if (turn) {
      turn.state = text;
      turn.written = text;
      return;
    }
    const version = this.read.get(id);
    this.read.delete(id);
    await this.write(this.db.pool, id, text, version);
  }

  /**
   * Writes the state over version `version` (0: read as absent or expired, which may replace an expired
   * row; undefined: never read, written whatever is there); returns the version written.
   */
  private async write(on: pg.Pool | pg.PoolClient, id: string, text: string, version: number | undefined): Promise<number> {
    const { rows } =
      version === undefined || version === 0
        ? await on.query<{ version: number }>({ ...UPSERT, values: [id, text, version === undefined, this.ttlMs / 1000] })
        : await on.query<{ version: number }>({ ...UPDATE, values: [id, text, version] });
    const written = rows[0]?.version;
    if (written === undefined) throw new ConversationConflictError('the conversation changed during the turn');
    return written;
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
    const id = conversationId(key);
    return this.queue.run(id, () => this.alone(id, turn));
  }

  private async alone<T>(id: string, turn: () => Promise<T>): Promise<T> {
    const begun = await this.turns.begin(id);
    const held: HeldTurn = { begun, ...(begun.row.state === undefined ? {} : { state: begun.row.state }) };
    this.held.set(id, held);
    let result: T;
    try {
      result = await turn();
    } catch (err) {
      this.letGo(id, held);
      // Nothing of the turn is written: its lock is let go of, unless its connection already went with it.
      await this.turns.end(id, begun).catch(() => undefined);
      throw err;
    }
    this.letGo(id, held);
    const version = await this.turns.end(id, begun, held.written);
    if (held.written !== undefined && version === undefined) throw new ConversationConflictError('the conversation changed during the turn');
    return result;
  }

  /** Lets go of the turns' connection; the database itself is the application's to close (every store of the instance shares it). */
  async close(): Promise<void> {
    await this.turns.close();
  }

  private letGo(id: string, turn: HeldTurn): void {
    if (this.held.get(id) === turn) this.held.delete(id);
  }

  private remember(id: string, version: number): void {
    this.read.delete(id);
    this.read.set(id, version);
    // Reads without a write (a turn refused as too fast) must not pile up.
    if (this.read.size > 10_000) this.read.delete(this.read.keys().next().value as string);
  }
}
