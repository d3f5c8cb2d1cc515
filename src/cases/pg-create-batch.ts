import { Batches, type Pending } from '../storage/batches.js';
import type { Database } from '../storage/pg/database.js';
import type { CaseRecord } from './case-schema.js';
import { caseRow, ROW_COLUMNS } from './pg-case-row.js';

/** A new case to store, with the hashed client whose allowance of `day` it takes (absent: not counted). */
export interface NewCase {
  record: CaseRecord;
  day: string;
  client?: string;
}

/** What became of a new case: stored; refused, the client's allowance of the day used up; or to be stored on its own. */
export type Created = 'stored' | 'limit' | 'alone';

/** PostgreSQL's unique_violation: a reference drawn twice. */
const UNIQUE_VIOLATION = '23505';

/**
 * Many cases in one statement: the rows go as arrays, each counted against its client's allowance by one
 * upsert that refuses to go past the limit, and stored only when counted. A reference drawn twice fails
 * the statement, which counts and stores nothing: its cases are then stored one by one (`alone`), where a
 * second draw is made. A client appears once in a batch (the upsert can change its row only once).
 */
const INSERT_CASES = {
  name: 'cases-create-batch',
  text: `WITH v AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::text[], $6::boolean[], $7::boolean[], $8::timestamptz[], $9::text[], $10::text[], $11::text[])
      AS v(reference, record, created_on, status, procedures, callback_open, has_contact, created_at, search, client, day)
  ), counted AS (
    INSERT INTO case_quota (day, client, used) SELECT day, client, 1 FROM v WHERE client IS NOT NULL
    ON CONFLICT (day, client) DO UPDATE SET used = case_quota.used + 1 WHERE case_quota.used < $12
    RETURNING day, client
  )
  INSERT INTO cases (${ROW_COLUMNS})
  SELECT reference, record::jsonb, created_on, status, ARRAY(SELECT jsonb_array_elements_text(procedures::jsonb)), callback_open, has_contact, created_at, search
  FROM v WHERE client IS NULL OR EXISTS (SELECT 1 FROM counted c WHERE c.day = v.day AND c.client = v.client)
  RETURNING reference`,
};

/**
 * The cases an instance creates, gathered while the statement before is under way (Batches): at 50
 * conversations at once, one statement and one commit store several, where each took a round trip and a
 * commit of its own.
 */
export class CaseCreateBatch {
  private readonly batches: Batches<NewCase, Created>;

  constructor(
    private readonly db: Database,
    private readonly dailyLimit: number,
  ) {
    this.batches = new Batches((batch) => this.send(batch), 100);
  }

  add(c: NewCase): Promise<Created> {
    return this.batches.add(c);
  }

  private async send(batch: Pending<NewCase, Created>[]): Promise<void> {
    const clients = new Set<string>();
    const together: Pending<NewCase, Created>[] = [];
    for (const p of batch) {
      const key = p.item.client === undefined ? undefined : `${p.item.day} ${p.item.client}`;
      if (key !== undefined && clients.has(key)) p.resolve('alone');
      else {
        if (key !== undefined) clients.add(key);
        together.push(p);
      }
    }
    const rows = together.map((p) => caseRow(p.item.record));
    const column = (i: number) => rows.map((r) => r[i]);
    let stored: Set<string>;
    try {
      const { rows: inserted } = await this.db.pool.query<{ reference: string }>({
        ...INSERT_CASES,
        values: [
          column(0),
          rows.map((r) => JSON.stringify(r[1])),
          column(2),
          column(3),
          rows.map((r) => JSON.stringify(r[4])),
          column(5),
          column(6),
          column(7),
          column(8),
          together.map((p) => p.item.client ?? null),
          together.map((p) => p.item.day),
          this.dailyLimit,
        ],
      });
      stored = new Set(inserted.map((r) => r.reference));
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      for (const p of together) p.resolve('alone');
      return;
    }
    for (const p of together) p.resolve(stored.has(p.item.record.reference) ? 'stored' : p.item.client === undefined ? 'alone' : 'limit');
  }
}
