import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** The migrations folder at the project's root, whether running from src/ (tsx) or dist/src/ (npm start). */
const MIGRATIONS = join(fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/dist\/?$/, ''), 'migrations');

export interface PoolFigures {
  total: number;
  idle: number;
  waiting: number;
}

export interface DatabaseOptions {
  /** Connections this instance may open (each instance has its own pool). */
  max?: number;
  /** Where migration progress and pool errors are told; nothing of the address's password. */
  log?: (level: 'info' | 'error', message: string) => void;
}

/**
 * The service's PostgreSQL database (DATABASE_URL): one pool for every store of the instance, and the
 * migrations of `migrations/`, applied by node-pg-migrate under its advisory lock so that instances
 * started together apply them once, one after the other.
 */
export class Database {
  /** Connections of their own, outside the pool (see connect), ended with the database. */
  private readonly own = new Set<pg.Client>();

  private constructor(
    readonly pool: pg.Pool,
    private readonly log: NonNullable<DatabaseOptions['log']>,
  ) {}

  static async open(url: string, options: DatabaseOptions = {}): Promise<Database> {
    const log = options.log ?? (() => undefined);
    const pool = new pg.Pool({ connectionString: url, max: options.max ?? 20, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000 });
    // An idle client whose server went away must not take the process down; the next query reconnects.
    pool.on('error', (err) => log('error', `database connection lost: ${err.message}`));
    const db = new Database(pool, log);
    try {
      await db.migrate();
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
    return db;
  }

  /** Applies the pending migrations; waits while another instance holds the migration lock. */
  async migrate(): Promise<number> {
    // Loaded only here: with its own dependencies it adds some 90 ms and 6 MB to a start on the
    // embedded files, which never migrate.
    const { runner } = await import('node-pg-migrate');
    const client = await this.pool.connect();
    try {
      const done = await runner({
        dbClient: client,
        dir: MIGRATIONS,
        direction: 'up',
        migrationsTable: 'pgmigrations',
        checkOrder: true,
        singleTransaction: true,
        advisoryLockMode: 'wait',
        log: () => undefined,
        logger: { debug: () => undefined, info: () => undefined, warn: (m: string) => this.log('info', m), error: (m: string) => this.log('error', m) },
      });
      if (done.length > 0) this.log('info', `database migrated: ${done.map((m) => m.name).join(', ')}`);
      return done.length;
    } finally {
      client.release();
    }
  }

  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(text, values);
  }

  /** Runs `work` in one transaction on one connection; a throw rolls it back. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * A connection of its own, for a session that holds locks across every instance (the turns of
   * conversations, see TurnBatch): an instance that dies loses the connection, and with it the locks.
   * The caller listens to its 'error' (the connection lost) and ends it; closing the database ends it too.
   */
  async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.pool.options.connectionString, connectionTimeoutMillis: 10_000 });
    client.on('error', (err) => this.log('error', `database connection lost: ${err.message}`));
    client.on('end', () => this.own.delete(client));
    await client.connect();
    this.own.add(client);
    return client;
  }

  /** For /healthz: whether the database answers now. */
  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /** For /metrics. */
  figures(): PoolFigures {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), ...[...this.own].map((c) => c.end().catch(() => undefined))]);
  }
}
