import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createI18n, translator } from '../i18n.js';
import { loadKnowledge } from '../knowledge/load.js';
import type { CaseRecord } from '../cases/case-schema.js';
import { FileCaseStore } from '../cases/file-store.js';
import { caseRow, ROW_COLUMNS } from '../cases/pg-case-row.js';
import { Journal } from '../storage/journal.js';
import { FileAgentStore } from '../desk/agent-store.js';
import { PgAgentStore } from '../desk/pg-agent-store.js';
import { FileReminderStore, type Reminder } from '../notify/reminders.js';
import { PgReminderStore } from '../notify/pg-reminder-store.js';
import { FileOutboxStore } from '../notify/outbox-store.js';
import { PgOutboxStore } from '../notify/pg-outbox-store.js';
import { Database } from '../storage/pg/database.js';
import { CliExit, runCli } from './run.js';

/**
 * `npm run store:migrate -- --to "$DATABASE_URL" [--from ./data]`: copies an embedded data folder into
 * PostgreSQL, one small copier per store that has a table. A row already there is left as it is (the
 * service may have changed it since a first run), so the command is safe to run twice; each store's
 * count is then checked: every key of the folder must be found in the database.
 */
interface Counts {
  /** In the folder. */
  source: number;
  /** Inserted by this run. */
  copied: number;
  /** Of the folder's keys, found in the database afterwards. */
  present: number;
}

interface Copier {
  store: string;
  copy(from: string, db: Database, ttlMs: number): Promise<Counts>;
}

/** Rows per INSERT: ten columns a case, well within PostgreSQL's 65,535 parameters. */
const BATCH = 500;

/**
 * Inserts rows of `columns` in batches, skipping keys already there; says how many went in, and how
 * many of `keys` the table holds afterwards. `casts` wraps a column's parameter (`?`) where its type needs it.
 */
async function insertMissing(db: Database, table: string, columns: string, rows: unknown[][], key: string, keys: string[], casts: string[] = []): Promise<Omit<Counts, 'source'>> {
  let copied = 0;
  for (let at = 0; at < rows.length; at += BATCH) {
    const batch = rows.slice(at, at + BATCH);
    const values: unknown[] = [];
    const tuples = batch.map((row) => `(${row.map((v, i) => (casts[i] ?? '?').replace('?', `$${values.push(v)}`)).join(', ')})`);
    const { rowCount } = await db.query(`INSERT INTO ${table} (${columns}) VALUES ${tuples.join(', ')} ON CONFLICT (${key}) DO NOTHING`, values);
    copied += rowCount ?? 0;
  }
  const { rows: found } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE ${key} = ANY($1::text[])`, [keys]);
  return { copied, present: Number(found[0]?.n ?? 0) };
}

const cases: Copier = {
  store: 'cases',
  async copy(from, db) {
    if (!existsSync(join(from, 'cases'))) return { source: 0, copied: 0, present: 0 };
    const store = await FileCaseStore.open(from);
    let all: CaseRecord[];
    try {
      all = (await store.list({ offset: 0, limit: Number.MAX_SAFE_INTEGER })).items;
    } finally {
      await store.close();
    }
    // Oldest first: the table's creation order (newest first in lists) is the folder's.
    all.reverse();
    const counts = await insertMissing(
      db,
      'cases',
      ROW_COLUMNS,
      all.map((c) => caseRow(c)),
      'reference',
      all.map((c) => c.reference),
    );
    return { source: all.length, ...counts };
  },
};

/** The journal's keys are already the hashed ids PgConversationStore uses (conversationId): copied as they are. */
const conversations: Copier = {
  store: 'conversations',
  async copy(from, db, ttlMs) {
    const path = join(from, 'conversations', 'journal.jsonl');
    if (!existsSync(path)) return { source: 0, copied: 0, present: 0 };
    const { journal } = await Journal.open(path, { ttlMs });
    try {
      const rows: unknown[][] = [];
      for (const { key, savedAt } of journal.entries()) {
        const state = journal.get<unknown>(key);
        if (state !== undefined) rows.push([key, JSON.stringify(state), savedAt / 1000]);
      }
      const counts = await insertMissing(
        db,
        'conversations',
        'id, state, updated_at',
        rows,
        'id',
        rows.map((r) => r[0] as string),
        ['?', '?', 'to_timestamp(?::float8)'],
      );
      return { source: rows.length, ...counts };
    } finally {
      await journal.close();
    }
  },
};

/** Counts of a copy made one record at a time through the PostgreSQL store's own idempotent call. */
async function copyEach<T>(items: T[], add: (item: T) => Promise<boolean>, has: (item: T) => Promise<boolean>): Promise<Counts> {
  let copied = 0;
  let present = 0;
  for (const item of items) if (await add(item)) copied += 1;
  for (const item of items) if (await has(item)) present += 1;
  return { source: items.length, copied, present };
}

/** The desk's accounts (their password hashes, never a password); an account of that name already there stays as it is. */
const agents: Copier = {
  store: 'agents',
  async copy(from, db) {
    const pg = new PgAgentStore(db);
    return copyEach(
      await new FileAgentStore(from).list(),
      (a) => pg.create(a),
      async (a) => (await pg.get(a.name)) !== undefined,
    );
  },
};

/** Certificate reminders still to send; those cancelled or sent have nothing left to do. */
const reminders: Copier = {
  store: 'reminders',
  async copy(from, db) {
    const pg = new PgReminderStore(db);
    const known = async (r: Reminder) => (await pg.ofClient(r.client)).some((x) => x.id === r.id);
    return copyEach(await FileReminderStore.open(from).scheduled(), async (r) => !(await known(r)) && (await pg.put(r), true), known);
  },
};

/** Notices not yet through (pending or held), in their order; those sent or dropped are history. */
const outbox: Copier = {
  store: 'outbox',
  async copy(from, db) {
    const pg = new PgOutboxStore(db);
    const waiting = (await FileOutboxStore.open(from).all()).filter((n) => n.state === 'pending' || n.state === 'held').sort((a, b) => a.seq - b.seq);
    const copied = await copyEach(
      waiting,
      ({ seq: _seq, ...n }) => pg.add(n),
      async () => true,
    );
    const ids = new Set((await pg.list()).map((n) => n.id));
    return { ...copied, present: waiting.filter((n) => ids.has(n.id)).length };
  },
};

/** Every store with a table in PostgreSQL whose embedded data is worth keeping; a store that gains one adds its copier here. */
const COPIERS: Copier[] = [cases, conversations, agents, reminders, outbox];

/** The address without its password, for messages. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return '?';
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    strict: true,
    options: { to: { type: 'string' }, from: { type: 'string' }, lang: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const t = translator(createI18n(loadKnowledge()), values.lang === 'en' ? 'en' : 'zh-CN');
  const fail = (line: string, code = 1): never => {
    process.stderr.write(`${line}\n`);
    throw new CliExit(code);
  };
  if (values.help) return fail(t('ui:storeMigrate.usage'), 0);
  if (!values.to || !/^postgres(ql)?:\/\//.test(values.to)) return fail(t('ui:storeMigrate.usage'), 2);
  const config = loadConfig();
  const from = values.from ?? config.EKEY_DATA_DIR;
  if (!existsSync(from)) return fail(t('ui:storeMigrate.noFolder', { from }), 2);

  let db: Database;
  try {
    db = await Database.open(values.to, { max: 2 });
  } catch (err) {
    return fail(t('ui:storeMigrate.connect', { where: where(values.to), error: (err as Error).message }));
  }
  let mismatched = false;
  try {
    for (const copier of COPIERS) {
      const n = await copier.copy(from, db, config.EKEY_CONVERSATION_TTL_HOURS * 3_600_000);
      process.stdout.write(`${t('ui:storeMigrate.counted', { store: copier.store, source: n.source, copied: n.copied, already: n.source - n.copied, present: n.present })}\n`);
      if (n.present !== n.source) {
        mismatched = true;
        process.stderr.write(`${t('ui:storeMigrate.mismatch', { store: copier.store, source: n.source, missing: n.source - n.present })}\n`);
      }
    }
  } finally {
    await db.close();
  }
  if (mismatched) return fail(t('ui:storeMigrate.failed'));
  process.stdout.write(`${t('ui:storeMigrate.done')}\n`);
}

await runCli(main);
