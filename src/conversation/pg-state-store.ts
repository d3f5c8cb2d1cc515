import type pg from 'pg';
import type { Database } from '../storage/pg/database.js';
import { conversationId, type ConversationStore } from './state-store.js';
import type { ConversationState } from './state.js';

/** A write that found the conversation changed since its turn read it: the turn fails rather than overwrite. */
export class ConversationConflictError extends Error {
  override name = 'ConversationConflictError';
}

/** A turn whose transaction did not commit: what it wrote is not kept, though its replies may have gone out. */
export class ConversationCommitError extends Error {
  override name = 'ConversationCommitError';
}

/** The advisory-lock class of conversation turns (the two-key form, apart from node-pg-migrate's one-key lock). */
const TURN_LOCK_CLASS = 7301;

/** A row as stored: the state is JSON text, parsed in node (PostgreSQL need not parse and print jsonb every turn). */
interface Row {
  state: string;
  version: number;
}

/** A turn under way: its transaction's connection, the row as the turn found it, and what it will write. */
interface HeldTurn {
  client: pg.PoolClient;
  state?: string;
  version: number;
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

function lostDuringTurn(): void {}

/** The dollar quote around a state written with its turn's commit (JSON text never holds a NUL to end it early). */
const STATE_TAG = '$ekey_state$';

/**
 * A turn's statements go as SQL text, several to a round trip (node-postgres sends a statement only once
 * the one before it is answered); prepared once on each connection of the lock pool, so that PostgreSQL
 * does not parse, analyse and plan them again every turn (that was a third of its time a turn).
 */
const PREPARE = [
  `PREPARE ekey_turn_lock(text) AS SELECT pg_advisory_xact_lock(${TURN_LOCK_CLASS}, hashtext($1))`,
  `PREPARE ekey_turn_read(text, float8) AS ${SELECT.text}`,
  `PREPARE ekey_turn_update(text, text, integer) AS ${UPDATE.text}`,
  `PREPARE ekey_turn_upsert(text, text, boolean, float8) AS ${UPSERT.text}`,
].join('; ');

/** The connections that hold the turn's prepared statements: they last as long as the connection does. */
const prepared = new WeakSet<pg.PoolClient>();

/**
 * Conversations in PostgreSQL (table `conversations`), for several instances behind one address. A turn
 * is one transaction on one connection, in two round trips: it begins, takes a transaction advisory lock
 * on the conversation and reads the row; when the turn is over, it writes what the turn set and commits,
 * which lets go of the lock; so two turns of one conversation on two instances run one after the
 * other, the second reading what the first committed. Each row carries a version; a write checks the
 * version its turn read, so a turn that somehow ran unlocked fails instead of overwriting another's
 * answers. A conversation silent past its time to live is not read and is swept.
 */
export class PgConversationStore implements ConversationStore {
  /** The version each conversation had when a read outside a turn saw it. */
  private readonly read = new Map<string, number>();
  /** The turns this instance runs now, by conversation id; the lock lets one at a time hold an id. */
  private readonly held = new Map<string, HeldTurn>();

  constructor(
    private readonly db: Database,
    private readonly ttlMs: number,
  ) {}

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
    const client = await this.db.lockClient();
    // A connection lost while the turn runs would otherwise be an uncaught 'error' (the pool listens only
    // to idle ones); the turn's next statement, its commit at the latest, fails and says so.
    client.on('error', lostDuringTurn);
    const release = (err?: Error) => {
      client.off('error', lostDuringTurn);
      client.release(err);
    };
    let held: HeldTurn;
    try {
      if (!prepared.has(client)) {
        await client.query(PREPARE);
        prepared.add(client);
      }
      // One round trip: in READ COMMITTED each statement takes its own snapshot, so the read, run once
      // the lock is had, sees what the conversation's previous turn committed.
      const key = client.escapeLiteral(id);
      const results = (await client.query(`BEGIN; EXECUTE ekey_turn_lock(${key}); EXECUTE ekey_turn_read(${key}, ${this.ttlMs / 1000})`)) as unknown as pg.QueryResult<Row>[];
      const row = results[2]?.rows[0];
      held = { client, version: row?.version ?? 0, ...(row ? { state: row.state } : {}) };
    } catch (err) {
      release(err as Error);
      throw err;
    }
    // Another of this instance's turns of the conversation may still be clearing up after its commit.
    this.held.set(id, held);
    let result: T;
    try {
      result = await turn();
    } catch (err) {
      this.letGo(id, held);
      try {
        await client.query('ROLLBACK');
        release();
      } catch (rollback) {
        // A connection that could not roll back is thrown away, and the lock goes with it.
        release(rollback as Error);
      }
      throw err;
    }
    this.letGo(id, held);
    let results: pg.QueryResult<{ version: number }>[];
    try {
      results = held.written === undefined ? [await client.query('COMMIT')] : await this.writeAndCommit(client, id, held);
    } catch (err) {
      release(err as Error);
      throw new ConversationCommitError(`the turn did not commit: ${(err as Error).message}`, { cause: err });
    }
    release();
    // A transaction that a failed statement aborted ends in a rollback, which COMMIT answers without an error.
    if (results.at(-1)?.command !== 'COMMIT') throw new ConversationCommitError('the turn was rolled back');
    if (held.written !== undefined && results[0]?.rows[0]?.version === undefined) throw new ConversationConflictError('the conversation changed during the turn');
    return result;
  }

  /**
   * The turn's state written over the version it read, and the commit, in one round trip (node-postgres
   * sends a statement only once the one before it is answered, so two statements would be two). The
   * state goes as a dollar-quoted literal, which needs no escaping, unless it holds the quote's tag.
   */
  private async writeAndCommit(client: pg.PoolClient, id: string, held: HeldTurn): Promise<pg.QueryResult<{ version: number }>[]> {
    const text = held.written as string;
    const state = text.includes(STATE_TAG) ? client.escapeLiteral(text) : `${STATE_TAG}${text}${STATE_TAG}`;
    const key = client.escapeLiteral(id);
    const write = held.version === 0 ? `EXECUTE ekey_turn_upsert(${key}, ${state}, false, ${this.ttlMs / 1000})` : `EXECUTE ekey_turn_update(${key}, ${state}, ${held.version})`;
    return (await client.query(`${write}; COMMIT`)) as unknown as pg.QueryResult<{ version: number }>[];
  }

  /** The database is the application's to close: every store of the instance shares it. */
  async close(): Promise<void> {}

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
