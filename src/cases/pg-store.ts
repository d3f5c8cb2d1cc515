import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { IsoDate } from '../dates/beijing.js';
import type { Database } from '../storage/pg/database.js';
import { collided } from '../storage/pg/errors.js';
import { CaseRecord, storableRecord } from './case-schema.js';
import { CaseCreateBatch } from './pg-create-batch.js';
import { caseRow, ROW_COLUMNS } from './pg-case-row.js';
import { CaseLimitError, CaseNotFoundError } from './errors.js';
import { newReference, parseReference } from './reference.js';
import { searchNeedle } from './search-text.js';
import { type CasePage, type CaseQuery, type CaseStore, phoneDigits } from './store.js';

const CREATE_ATTEMPTS = 20;

const INSERT_CASE = `INSERT INTO cases (${ROW_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;
/** The case, if the client's allowance of the day ($10) has room under the limit ($12): one round trip for both. */
const INSERT_COUNTED_CASE = `WITH counted AS (
    INSERT INTO case_quota (day, client, used) VALUES ($10, $11, 1)
    ON CONFLICT (day, client) DO UPDATE SET used = case_quota.used + 1 WHERE case_quota.used < $12
    RETURNING 1)
  INSERT INTO cases (${ROW_COLUMNS})
  SELECT $1::text, $2::jsonb, $3::date, $4::text, $5::text[], $6::boolean, $7::boolean, $8::timestamptz, $9::text FROM counted`;

/** Clients (conversation keys: openids, user ids) are kept hashed. */
const clientId = (client: string) => createHash('sha256').update(client).digest('hex');

export interface PgCaseStoreOptions {
  random?: (n: number) => Buffer;
  /** New cases per client and Beijing day; absent or 0: no cap. */
  dailyLimit?: number;
}

/** A LIKE pattern matching `text` anywhere, its wildcards taken as they are. */
const containing = (text: string): string => `%${text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

const ids = (v: string | readonly string[] | undefined): string[] | undefined => (v === undefined ? undefined : typeof v === 'string' ? [v] : [...v]);

/**
 * The cases in PostgreSQL (table `cases`, migrations/0002_cases.sql), shared by every instance on the
 * database. A create draws a reference and inserts it, drawing again when another got there first; an
 * update reads the row FOR UPDATE, so two changes of one case, from any instances, apply one after the
 * other and each sees the other's result (CaseService's version check runs inside the change). Lists
 * filter and order in SQL on the columns kept beside the record; nothing is loaded whole.
 */
export class PgCaseStore implements CaseStore {
  /** Where references draw their random letters (tests narrow it to make references collide). */
  private readonly random: ((n: number) => Buffer) | undefined;
  /** New cases per client and Beijing day (table `case_quota`); 0: no cap. */
  private readonly dailyLimit: number;
  private readonly creates: CaseCreateBatch;
  /** The last day the allowances of earlier days were cleared. */
  private swept = '';

  constructor(
    private readonly db: Database,
    options: PgCaseStoreOptions = {},
  ) {
    this.random = options.random;
    this.dailyLimit = options.dailyLimit ?? 0;
    this.creates = new CaseCreateBatch(db, this.dailyLimit);
  }

  /**
   * A client spreading its requests over the instances gets the one allowance: the case is counted by
   * an upsert that refuses to go past the limit, in the statement that inserts it, so two at once cannot
   * both take the last one, and a case not stored (a reference drawn twice) is not counted.
   */
  async create(make: (reference: string) => CaseRecord, date: IsoDate, client?: string): Promise<CaseRecord> {
    const counted = client !== undefined && this.dailyLimit > 0;
    if (counted && date !== this.swept) {
      this.swept = date;
      await this.db.query('DELETE FROM case_quota WHERE day < $1', [date]);
    }
    for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt += 1) {
      const reference = newReference(() => false, date, this.random);
      const record = storableRecord(make(reference), reference);
      // The first draw goes with the other cases being created; a batch that met a reference drawn twice
      // leaves its cases to be stored one by one, as a second draw is.
      if (attempt === 0) {
        const created = await this.creates.add({ record, day: date, ...(counted ? { client: clientId(client) } : {}) });
        if (created === 'stored') return record;
        if (created === 'limit') throw new CaseLimitError(this.dailyLimit);
      }
      try {
        if (!counted) {
          await this.db.query(INSERT_CASE, caseRow(record));
          return record;
        }
        const { rowCount } = await this.db.query(INSERT_COUNTED_CASE, [...caseRow(record), date, clientId(client), this.dailyLimit]);
        if (rowCount !== 1) throw new CaseLimitError(this.dailyLimit);
        return record;
      } catch (err) {
        // Another instance drew the same reference first, or its batch and this case waited on each other.
        if (!collided(err)) throw err;
      }
    }
    throw new Error(`no free case reference after ${CREATE_ATTEMPTS} draws`);
  }

  async get(reference: string): Promise<CaseRecord | undefined> {
    if (parseReference(reference) !== reference) return undefined;
    const { rows } = await this.db.query<{ record: CaseRecord }>('SELECT record FROM cases WHERE reference = $1', [reference]);
    return rows[0]?.record;
  }

  async update(reference: string, change: (current: CaseRecord) => CaseRecord): Promise<CaseRecord> {
    if (parseReference(reference) !== reference) throw new CaseNotFoundError(reference);
    return this.db.transaction(async (client: pg.PoolClient) => {
      const { rows } = await client.query<{ record: CaseRecord }>('SELECT record FROM cases WHERE reference = $1 FOR UPDATE', [reference]);
      const current = rows[0]?.record;
      if (!current) throw new CaseNotFoundError(reference);
      const record = storableRecord(change(current), reference);
      // The creation date and time stay (the change cannot alter the reference that carries the date).
      await client.query(`UPDATE cases SET (${ROW_COLUMNS}) = ($1, $2, $3, $4, $5, $6, $7, $8, $9), version = version + 1 WHERE reference = $1`, caseRow(record));
      return record;
    });
  }

  async list(q: CaseQuery): Promise<CasePage> {
    const where: string[] = [];
    const values: unknown[] = [];
    const param = (v: unknown): string => `$${values.push(v)}`;
    const statuses = ids(q.status);
    const procedures = ids(q.procedure);
    if (statuses) where.push(`status = ANY(${param(statuses)}::text[])`);
    if (procedures) where.push(`procedures && ${param(procedures)}::text[]`);
    if (q.from) where.push(`created_on >= ${param(q.from)}::date`);
    if (q.to) where.push(`created_on <= ${param(q.to)}::date`);
    if (q.callback !== undefined) where.push(q.callback ? 'callback_open' : 'NOT callback_open');
    if (q.withContact) where.push('has_contact');
    const text = q.text?.trim();
    if (text) {
      // As caseMatcher: a reference as typed finds that case alone; otherwise the words, or a number's digits, anywhere.
      const reference = parseReference(text);
      const digits = phoneDigits(text);
      const needle = searchNeedle(text);
      if (reference) where.push(`reference = ${param(reference)}`);
      // Folded to nothing (control characters alone): caseMatcher finds nothing either.
      else if (!needle) where.push('false');
      else if (digits && digits !== needle) where.push(`(search LIKE ${param(containing(needle))} OR search LIKE ${param(containing(digits))})`);
      else where.push(`search LIKE ${param(containing(needle))}`);
    }
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    if (text) {
      // A search matches a few rows, each of which the trigram index makes the heap check again: checked
      // once for the count and the page together, and only the page's records read.
      const { rows } = await this.db.query<{ total: string; items: CaseRecord[] }>(
        `WITH hits AS MATERIALIZED (SELECT reference, created_on, seq FROM cases ${filter}),
              page AS (SELECT * FROM hits ORDER BY created_on DESC, seq DESC LIMIT ${param(q.limit)} OFFSET ${param(q.offset)})
         SELECT (SELECT count(*) FROM hits) AS total,
                (SELECT coalesce(jsonb_agg(c.record ORDER BY p.created_on DESC, p.seq DESC), '[]') FROM page p JOIN cases c USING (reference)) AS items`,
        values,
      );
      return { items: rows[0]?.items ?? [], total: Number(rows[0]?.total ?? 0) };
    }
    // Lists without words may hold most of the table: the count is an index-only scan, the page an index scan.
    const counted = values.length;
    const [page, count] = await Promise.all([
      this.db.query<{ record: CaseRecord }>(`SELECT record FROM cases ${filter} ORDER BY created_on DESC, seq DESC LIMIT ${param(q.limit)} OFFSET ${param(q.offset)}`, values),
      this.db.query<{ n: string }>(`SELECT count(*) AS n FROM cases ${filter}`, values.slice(0, counted)),
    ]);
    return { items: page.rows.map((r) => r.record), total: Number(count.rows[0]?.n ?? 0) };
  }

  /**
   * Nothing to fold: the table keeps no journal of its own, and the row versions an update leaves behind
   * are reclaimed by autovacuum (a VACUUM per erased case would scan the table's indexes every time).
   */
  async purge(): Promise<void> {}

  /** The database is the application's to close: every store of the instance shares it. */
  async close(): Promise<void> {}
}
