import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../src/storage/pg/database.js';
import { freshDatabase, type TestDatabase } from './pg-helpers.js';

/** Where a contract suite's embedded backend keeps its files: a new folder per suite. */
export function folderPlace(prefix: string) {
  let dir = '';
  return {
    get dir() {
      return dir;
    },
    async setup() {
      dir = mkdtempSync(join(tmpdir(), prefix));
    },
    async teardown() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh database per suite; every `open` is another instance's pool on it, all closed at teardown. */
export function databasePlace() {
  let testDb: TestDatabase | undefined;
  const dbs: Database[] = [];
  return {
    get url(): string {
      return (testDb as TestDatabase).url;
    },
    async setup() {
      testDb = await freshDatabase();
    },
    async teardown() {
      for (const d of dbs.splice(0)) await d.close();
      await testDb?.drop();
    },
    async open(): Promise<Database> {
      const db = await Database.open((testDb as TestDatabase).url, { max: 4 });
      dbs.push(db);
      return db;
    },
  };
}
