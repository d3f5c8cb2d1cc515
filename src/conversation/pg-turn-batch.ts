import type pg from 'pg';
import { Batches, type Pending } from '../storage/batches.js';

/** The advisory-lock class of conversation turns (the two-key form, apart from node-pg-migrate's one-key lock). */
export const TURN_LOCK_CLASS = 7301;

/** A conversation's row as a turn found it: the state as JSON text (parsed in node), and its version (0: none). */
export interface TurnRow {
  state?: string;
  version: number;
}

/** The connection a turn's lock is held on: a turn whose connection went lost its lock with it. */
export interface TurnLine {
  readonly client: pg.Client;
  alive: boolean;
}

/** A turn that holds its conversation's lock, on `line`, with the row read once the lock was had. */
export interface BegunTurn {
  line: TurnLine;
  row: TurnRow;
}

/** A turn whose connection went before it could commit: what it wrote is not kept, though its replies may have gone out. */
export class ConversationCommitError extends Error {
  override name = 'ConversationCommitError';
}

/** A conversation whose lock another instance kept for longer than a turn may wait. */
export class ConversationLockedError extends Error {
  override name = 'ConversationLockedError';
}

interface Start {
  kind: 'start';
  id: string;
  since: number;
  /** Times found locked by another instance. */
  tries: number;
  /** Times its round trip failed. */
  failures: number;
}

interface End {
  kind: 'end';
  id: string;
  line: TurnLine;
  /** The state the turn set and the version it read; absent: nothing to write, only the lock to let go. */
  write?: { text: string; version: number };
}

/** A begun turn, or the version an ended one wrote (undefined: the row was no longer at the version the turn read). */
type Answer = BegunTurn | number | undefined;
type Work = Pending<Start | End, Answer>;

export interface TurnBatchOptions {
  ttlMs: number;
  /** A connection of the instance's own, outside every pool: the turn locks are held by its session. */
  connect(): Promise<pg.Client>;
  /** How long a turn waits for a conversation another instance holds. */
  lockWaitMs?: number;
  /** Most turns begun or ended in one round trip. */
  batch?: number;
}

/** The dollar quote around a state (JSON text never holds a NUL to end it early). */
const STATE_TAG = '$ekey_state$';

/**
 * The statements of a round trip, prepared once on each connection: a round trip then sends EXECUTEs
 * of them with the batch's arrays, which PostgreSQL neither analyses nor plans again (a statement
 * written out for each batch, its rows inline, was parsed and planned every time: a fifth of the
 * server's work a turn). A conversation silent past `ttl` seconds is not read, and a row that old is
 * written over by a new conversation under its id.
 */
function prepared(ttl: number): string {
  const lock = `${TURN_LOCK_CLASS}, hashtext(v.id)`;
  return [
    // Planned once for all: left to choose, PostgreSQL plans each batch again for the length of its arrays.
    // Every statement finds its rows by id, and a plan made while the table was small must not scan it
    // whole once it has grown: no join to choose a plan for, and no sequential scan.
    'SET plan_cache_mode = force_generic_plan',
    'SET enable_seqscan = off',
    `PREPARE ekey_turn_update(text[], text[], int[]) AS UPDATE conversations AS c
       SET state = $2[array_position($1, c.id)], version = c.version + 1, updated_at = now()
       WHERE c.id = ANY($1) AND c.version = $3[array_position($1, c.id)] RETURNING c.id, c.version`,
    // A row there already is one expired since the turn found none, or one another write put there.
    `PREPARE ekey_turn_insert(text[], text[]) AS INSERT INTO conversations (id, state) SELECT * FROM unnest($1, $2)
       ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, version = conversations.version + 1, updated_at = now()
       WHERE conversations.updated_at <= now() - make_interval(secs => ${Number(ttl)}) RETURNING id, version`,
    `PREPARE ekey_turn_unlock(text[]) AS SELECT pg_advisory_unlock(${lock}) FROM unnest($1) AS v(id)`,
    `PREPARE ekey_turn_lock(text[]) AS SELECT v.id, pg_try_advisory_lock(${lock}) AS got FROM unnest($1) AS v(id)`,
    `PREPARE ekey_turn_read(text[]) AS SELECT id, state, version FROM conversations WHERE id = ANY($1) AND updated_at > now() - make_interval(secs => ${Number(ttl)})`,
  ].join(';\n');
}

/**
 * The turns of every conversation of an instance, on one connection of its own, in batches: each round
 * trip commits the writes of the turns that ended since the last one, lets go of their locks, then takes
 * the locks of the turns that began (session advisory locks, tried, so that one conversation held by
 * another instance does not hold up the others) and reads their rows. At 50 turns at once that is one
 * round trip and one commit for several turns, where a transaction of its own for each turn cost
 * PostgreSQL two round trips, a commit and a connection held for the turn's length.
 *
 * A lock is let go of only after its turn's write has committed, so the next turn of the conversation,
 * on any instance, reads what this one wrote. A turn whose lock another instance holds is tried again a
 * little later. When the connection goes (the server restarts, the backend is killed), the session's
 * locks go with it: every turn that held one fails at its end instead of writing unlocked.
 */
export class TurnBatch {
  private readonly batches: Batches<Start | End, Answer>;
  private line?: Promise<TurnLine>;
  /** The connection `line` opened, once it has. */
  private current?: TurnLine;
  private closed = false;
  private readonly lockWaitMs: number;

  constructor(private readonly options: TurnBatchOptions) {
    this.lockWaitMs = options.lockWaitMs ?? 30_000;
    this.batches = new Batches((batch) => this.tick(batch), options.batch ?? 200);
  }

  /** Waits for the conversation's lock, then reads its row. */
  begin(id: string): Promise<BegunTurn> {
    if (this.closed) return Promise.reject(new Error('the conversation store is closed'));
    return this.batches.add({ kind: 'start', id, since: Date.now(), tries: 0, failures: 0 }) as Promise<BegunTurn>;
  }

  /**
   * Writes what the turn set over the version it read, if anything, and lets go of the lock once that is
   * committed. Rejects with ConversationCommitError when the connection holding the lock went meanwhile.
   */
  end(id: string, turn: BegunTurn, text?: string): Promise<number | undefined> {
    if (!turn.line.alive) return Promise.reject(new ConversationCommitError('the turn did not commit: its connection to the database was lost'));
    return this.batches.add({ kind: 'end', id, line: turn.line, ...(text === undefined ? {} : { write: { text, version: turn.row.version } }) }) as Promise<number | undefined>;
  }

  async close(): Promise<void> {
    this.closed = true;
    const line = await this.line?.catch(() => undefined);
    this.line = undefined;
    if (line) {
      line.alive = false;
      await line.client.end().catch(() => undefined);
    }
  }

  private open(): Promise<TurnLine> {
    if (this.current && !this.current.alive) {
      this.current = undefined;
      this.line = undefined;
    }
    this.line ??= this.connect().catch((err: Error) => {
      this.line = undefined;
      throw err;
    });
    return this.line;
  }

  private async connect(): Promise<TurnLine> {
    const client = await this.options.connect();
    const line: TurnLine = { client, alive: true };
    const lost = () => this.lose(line);
    // An 'error' unheard would take the process down; the turns it held fail at their end.
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.query(prepared(this.options.ttlMs / 1000));
    } catch (err) {
      this.lose(line);
      throw err;
    }
    this.current = line;
    return line;
  }

  private lose(line: TurnLine): void {
    if (!line.alive) return;
    line.alive = false;
    void line.client.end().catch(() => undefined);
  }

  private async tick(batch: Work[]): Promise<void> {
    const ends = batch.filter((w): w is Pending<End, Answer> => w.item.kind === 'end');
    const starts = batch.filter((w): w is Pending<Start, Answer> => w.item.kind === 'start');
    let line: TurnLine;
    try {
      if (this.closed) throw new Error('the conversation store is closed');
      line = await this.open();
    } catch (err) {
      for (const e of ends) e.reject(new ConversationCommitError(`the turn did not commit: ${(err as Error).message}`, { cause: err }));
      for (const s of starts) s.reject(err as Error);
      return;
    }
    const live = ends.filter((e) => {
      if (e.item.line === line && line.alive) return true;
      e.reject(new ConversationCommitError('the turn did not commit: its connection to the database was lost'));
      return false;
    });
    const sql = this.statements(
      line.client,
      live.map((e) => e.item),
      starts.map((s) => s.item),
    );
    let results: pg.QueryResult[];
    try {
      const answer = (await line.client.query(sql.text)) as unknown as pg.QueryResult | pg.QueryResult[];
      results = Array.isArray(answer) ? answer : [answer];
    } catch (err) {
      // The session cannot be trusted with its locks any more: it goes, and they with it.
      this.lose(line);
      for (const e of live) e.reject(new ConversationCommitError(`the turn did not commit: ${(err as Error).message}`, { cause: err }));
      for (const s of starts) this.retry(s, err as Error);
      return;
    }
    if (sql.commit !== undefined && results[sql.commit]?.command !== 'COMMIT') {
      this.lose(line);
      for (const e of live) e.reject(new ConversationCommitError('the turn was rolled back'));
      for (const s of starts) this.retry(s, new Error('the turns were rolled back'));
      return;
    }
    const written = new Map<string, number>();
    for (const index of sql.writes) for (const row of results[index]?.rows ?? []) written.set(row.id as string, row.version as number);
    for (const e of live) e.resolve(e.item.write ? written.get(e.item.id) : 0);
    if (sql.locks === undefined) return;
    const got = new Set((results[sql.locks]?.rows ?? []).filter((r) => r.got === true).map((r) => r.id as string));
    const rows = new Map((results[sql.locks + 1]?.rows ?? []).map((r) => [r.id as string, r as { state: string; version: number }]));
    for (const s of starts) {
      if (!got.has(s.item.id)) {
        this.wait(s);
        continue;
      }
      const row = rows.get(s.item.id);
      s.resolve({ line, row: row ? { state: row.state, version: row.version } : { version: 0 } });
    }
  }

  /** One round trip's SQL, and where its results are: the commit, the writes' rows, the locks (the rows read follow them). */
  private statements(client: pg.Client, ends: End[], starts: Start[]) {
    const parts: string[] = [];
    const writes: number[] = [];
    let commit: number | undefined;
    let locks: number | undefined;
    const ids = (turns: { id: string }[]) => `ARRAY[${turns.map((t) => client.escapeLiteral(t.id)).join(', ')}]::text[]`;
    const states = (turns: End[]) =>
      `ARRAY[${turns.map((e) => (e.write!.text.includes(STATE_TAG) ? client.escapeLiteral(e.write!.text) : `${STATE_TAG}${e.write!.text}${STATE_TAG}`)).join(', ')}]::text[]`;
    const updates = ends.filter((e) => e.write && e.write.version > 0);
    const inserts = ends.filter((e) => e.write && e.write.version === 0);
    if (updates.length + inserts.length > 0) {
      parts.push('BEGIN');
      if (updates.length > 0) {
        writes.push(parts.length);
        parts.push(`EXECUTE ekey_turn_update(${ids(updates)}, ${states(updates)}, ARRAY[${updates.map((e) => e.write!.version).join(', ')}]::int[])`);
      }
      if (inserts.length > 0) {
        writes.push(parts.length);
        parts.push(`EXECUTE ekey_turn_insert(${ids(inserts)}, ${states(inserts)})`);
      }
      commit = parts.length;
      parts.push('COMMIT');
    }
    if (ends.length > 0) parts.push(`EXECUTE ekey_turn_unlock(${ids(ends)})`);
    if (starts.length > 0) {
      locks = parts.length;
      parts.push(`EXECUTE ekey_turn_lock(${ids(starts)})`);
      // A statement of its own: its snapshot, taken once the locks are had, sees what their last holders committed.
      parts.push(`EXECUTE ekey_turn_read(${ids(starts)})`);
    }
    return { text: parts.join(';\n'), commit, writes, locks };
  }

  /** A conversation another instance holds: tried again shortly, each time a little later, for as long as a turn may wait. */
  private wait(s: Pending<Start, Answer>): void {
    if (Date.now() - s.item.since > this.lockWaitMs) {
      s.reject(new ConversationLockedError(`the conversation stayed locked by another instance for ${this.lockWaitMs} ms`));
      return;
    }
    s.item.tries += 1;
    setTimeout(() => this.batches.requeue(s), Math.min(2 ** s.item.tries, 50));
  }

  /** A turn that could not begin because the connection failed begins on the next one, once. */
  private retry(s: Pending<Start, Answer>, err: Error): void {
    if (s.item.failures > 0 || this.closed) {
      s.reject(err);
      return;
    }
    s.item.failures += 1;
    this.batches.requeue(s);
  }
}
