import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Database } from '../src/storage/pg/database.js';

/** The test cluster of tests/setup/postgres.ts; a test that needs PostgreSQL fails without it, never skips. */
export function testClusterUrl(): string {
  const url = process.env.EKEY_TEST_DATABASE_URL;
  if (!url) throw new Error('EKEY_TEST_DATABASE_URL is not set: run the tests with vitest (its global setup starts a cluster)');
  return url;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database in the test cluster, for one test file or one test. */
export async function freshDatabase(): Promise<TestDatabase> {
  const base = new URL(testClusterUrl());
  const name = `ekey_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * A database for a suite's tests, opened as often as a test needs instances on it (each with its own
 * pool, as another instance would have), closed and dropped by `teardown`.
 */
export function sharedDatabase(max = 6) {
  let place: TestDatabase | undefined;
  const opened: Database[] = [];
  return {
    opened,
    async setup() {
      place = await freshDatabase();
    },
    async open(): Promise<Database> {
      if (!place) throw new Error('sharedDatabase: setup() first');
      const db = await Database.open(place.url, { max });
      opened.push(db);
      return db;
    },
    async teardown() {
      for (const d of opened.splice(0)) await d.close();
      await place?.drop();
      place = undefined;
    },
  };
}
