import { Batches, type Pending } from '../storage/batches.js';
import type { Database } from '../storage/pg/database.js';
import { collided } from '../storage/pg/errors.js';
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

/**
 * Many cases in one statement: the rows go as one JSON document (one parse, where arrays of JSON text
 * were escaped element by element in node and unescaped again by PostgreSQL), each counted against its
 * client's allowance by one upsert that refuses to go past the limit, and stored only when counted. A
 * reference drawn twice fails the statement, which counts and stores nothing: its cases are then stored
 * one by one (`alone`), where a second draw is made. A client appears once in a batch (the upsert can
 * change its row only once). Rows are taken in one order, clients' allowances by client and cases by
 * reference, so that two instances' batches wait for each other rather than deadlock; should one still
 * be rolled back as a deadlock, its cases too are stored one by one.
 */
const INSERT_CASES = {
  name: 'cases-create-batch',
  text: `WITH v AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS v(reference text, record jsonb, created_on date, status text, procedures text[],
      callback_open boolean, has_contact boolean, created_at timestamptz, search text, client text, day text)
  ), counted AS (
    INSERT INTO case_quota (day, client, used) SELECT day, client, 1 FROM v WHERE client IS NOT NULL ORDER BY day, client
    ON CONFLICT (day, client) DO UPDATE SET used = case_quota.used + 1 WHERE case_quota.used < $2
    RETURNING day, client
  )
  INSERT INTO cases (${ROW_COLUMNS})
  SELECT ${ROW_COLUMNS} FROM v WHERE client IS NULL OR EXISTS (SELECT 1 FROM counted c WHERE c.day = v.day AND c.client = v.client)
  RETURNING reference`,
};

/** The names of ROW_COLUMNS, for the document's rows. */
const COLUMN_NAMES = ROW_COLUMNS.split(', ');

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
    together.sort((a, b) => (a.item.record.reference < b.item.record.reference ? -1 : 1));
    const rows = together.map((p) => {
      const row: Record<string, unknown> = Object.fromEntries(caseRow(p.item.record).map((value, i) => [COLUMN_NAMES[i], value]));
      row.client = p.item.client ?? null;
      row.day = p.item.day;
      return row;
    });
    let stored: Set<string>;
    try {
      const { rows: inserted } = await this.db.pool.query<{ reference: string }>({ ...INSERT_CASES, values: [JSON.stringify(rows), this.dailyLimit] });
      stored = new Set(inserted.map((r) => r.reference));
    } catch (err) {
      if (!collided(err)) throw err;
      for (const p of together) p.resolve('alone');
      return;
    }
    for (const p of together) p.resolve(stored.has(p.item.record.reference) ? 'stored' : p.item.client === undefined ? 'alone' : 'limit');
  }
}
