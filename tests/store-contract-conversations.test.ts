import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationId, FileConversationStore, type ConversationStore } from '../src/conversation/state-store.js';
import { ConversationCommitError, ConversationConflictError, ConversationLockedError, PgConversationStore } from '../src/conversation/pg-state-store.js';
import { newState, type ConversationState } from '../src/conversation/state.js';
import { Database } from '../src/storage/pg/database.js';
import { freshDatabase } from './pg-helpers.js';
import { databasePlace, folderPlace } from './store-places.js';

/**
 * One contract for the conversation store, run on both backends: the embedded journal and PostgreSQL.
 * What a turn wrote is read back, after a reopen too; conversations never see each other; removal; the
 * time to live and the sweep. PostgreSQL alone: two instances on one database serialise the turns of one
 * conversation, and a write that lost a race fails rather than overwriting.
 */
const state = (n: number, lang: 'zh-CN' | 'en' = 'zh-CN'): ConversationState => ({ ...newState(lang), answers: { need: `n${n}` }, misses: n % 3, greeted: true });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Backend {
  name: string;
  /** Opens a store on the backend's shared place (a folder, a database), as another instance or a restart would. */
  open(ttlMs: number): Promise<ConversationStore>;
  setup(): Promise<void>;
  teardown(): Promise<void>;
}

const folder = folderPlace('ekey-contract-');
const files: Backend = {
  name: 'embedded files',
  setup: () => folder.setup(),
  teardown: () => folder.teardown(),
  async open(ttlMs) {
    const s = new FileConversationStore(folder.dir, ttlMs);
    await s.open();
    return s;
  },
};

const database = databasePlace();
/** The database of the last PostgreSQL store opened, to look at its rows. */
let lastDb: Database | undefined;
const postgres: Backend = {
  name: 'PostgreSQL',
  setup: () => database.setup(),
  teardown: () => database.teardown(),
  async open(ttlMs) {
    lastDb = await database.open();
    return new PgConversationStore(lastDb, ttlMs);
  },
};

describe.each([files, postgres])('the conversation store on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it('gives back what was stored, after a reopen too, each conversation its own', async () => {
    const a = await backend.open(86_400_000);
    for (let i = 0; i < 20; i++) await a.set(`webchat:user-${i}`, state(i));
    await a.set('webchat:user-3', state(33, 'en'));
    expect(await a.get('webchat:user-3')).toEqual(state(33, 'en'));
    expect(await a.get('webchat:nobody')).toBeUndefined();
    await a.close?.();
    const b = await backend.open(86_400_000);
    for (let i = 0; i < 20; i++) expect(await b.get(`webchat:user-${i}`)).toEqual(i === 3 ? state(33, 'en') : state(i));
    await b.close?.();
  });

  it('keeps the last of many writes arriving at once', async () => {
    const s = await backend.open(86_400_000);
    for (let round = 0; round < 10; round++) await Promise.all(Array.from({ length: 40 }, (_, k) => s.set(`burst:${k}`, state(round * 40 + k))));
    for (let k = 0; k < 40; k++) expect((await s.get(`burst:${k}`))?.answers.need).toBe(`n${360 + k}`);
    await s.close?.();
  });

  it('keeps exactly what a turn set, quotes, backslashes, dollar signs and characters beyond the BMP among it', async () => {
    const store = await backend.open(86_400_000);
    const tricky = `'; DROP TABLE conversations; -- \\ \\' $ekey_state$ $$ $1 $2 🔑 "引号"`;
    const written = { ...state(7), answers: { need: tricky, [tricky]: 'key' } };
    const turn = () => store.set('tricky', written);
    await (store.exclusive ? store.exclusive('tricky', turn) : turn());
    expect(await (await backend.open(86_400_000)).get('tricky')).toEqual(written);
    const plain = { ...state(8), answers: { need: 'costs $2.50' } };
    const again = () => store.set('tricky', plain);
    await (store.exclusive ? store.exclusive('tricky', again) : again());
    expect(await (await backend.open(86_400_000)).get('tricky')).toEqual(plain);
  });

  it('forgets a removed conversation', async () => {
    const s = await backend.open(86_400_000);
    await s.set('gone', state(1));
    await s.delete('gone');
    expect(await s.get('gone')).toBeUndefined();
    await s.set('gone', state(2));
    expect((await s.get('gone'))?.answers.need).toBe('n2');
    await s.close?.();
  });

  it('does not give back a conversation silent past its time to live, and the sweep removes it', async () => {
    // Long enough that a loaded machine does not expire the fresh one before it is read back.
    const s = await backend.open(3_000);
    await s.set('old', state(1));
    await sleep(3_200);
    await s.set('fresh', state(2));
    expect(await s.get('old')).toBeUndefined();
    expect(await s.sweep?.()).toBeGreaterThanOrEqual(1);
    expect((await s.get('fresh'))?.answers.need).toBe('n2');
    // A conversation that expired starts again as new.
    await s.set('old', state(3));
    expect((await s.get('old'))?.answers.need).toBe('n3');
    await s.close?.();
  });

  it('never stores the channel key as it is', async () => {
    const s = await backend.open(86_400_000);
    await s.set('wechat:oSecretOpenId123', state(5));
    if (backend === postgres) {
      const { rows } = await (lastDb as Database).query<{ id: string }>('SELECT id FROM conversations');
      expect(rows.some((r) => r.id.includes('oSecretOpenId'))).toBe(false);
      expect(rows.every((r) => /^[0-9a-f]{40}$/.test(r.id))).toBe(true);
    }
    expect((await s.get('wechat:oSecretOpenId123'))?.answers.need).toBe('n5');
    await s.close?.();
  });
});

describe('conversations shared by two instances on PostgreSQL', () => {
  beforeAll(() => postgres.setup());
  afterAll(() => postgres.teardown());

  it('runs the turns of one conversation one after the other across instances, never interleaved', async () => {
    const a = (await postgres.open(86_400_000)) as PgConversationStore;
    const b = (await postgres.open(86_400_000)) as PgConversationStore;
    await a.set('shared', { ...state(0), misses: 0 });
    // Each turn reads the count, waits, and writes it plus one: interleaved turns would lose increments.
    const turn = (s: PgConversationStore) =>
      s.exclusive('shared', async () => {
        const current = (await s.get('shared')) as ConversationState;
        await sleep(5);
        await s.set('shared', { ...current, misses: current.misses + 1 });
      });
    await Promise.all(Array.from({ length: 30 }, (_, i) => turn(i % 2 === 0 ? a : b)));
    expect((await a.get('shared'))?.misses).toBe(30);
  });

  it('fails a write whose turn read an older version instead of overwriting', async () => {
    const a = (await postgres.open(86_400_000)) as PgConversationStore;
    const b = (await postgres.open(86_400_000)) as PgConversationStore;
    await a.set('raced', state(1));
    await a.get('raced');
    await b.get('raced');
    await b.set('raced', state(2));
    await expect(a.set('raced', state(3))).rejects.toBeInstanceOf(ConversationConflictError);
    expect((await b.get('raced'))?.answers.need).toBe('n2');
  });

  it('fails a turn whose conversation was changed behind its lock instead of overwriting it', async () => {
    const a = (await postgres.open(86_400_000)) as PgConversationStore;
    await a.set('behind', state(1));
    const turn = a.exclusive('behind', async () => {
      const current = (await a.get('behind')) as ConversationState;
      // Something that ignored the lock wrote meanwhile.
      await (lastDb as Database).query('UPDATE conversations SET state = $2, version = version + 1 WHERE id = $1', [conversationId('behind'), JSON.stringify(state(2))]);
      await a.set('behind', { ...current, answers: { need: 'from the turn' } });
    });
    await expect(turn).rejects.toBeInstanceOf(ConversationConflictError);
    expect((await a.get('behind'))?.answers.need).toBe('n2');
    expect(await a.exclusive('behind', async () => (await a.get('behind'))?.answers.need)).toBe('n2');
  });

  it('lets the turns of other conversations run while one waits for a conversation another instance holds', async () => {
    const a = (await postgres.open(86_400_000)) as PgConversationStore;
    const b = (await postgres.open(86_400_000)) as PgConversationStore;
    let hold!: () => void;
    const holding = new Promise<void>((r) => (hold = r));
    let held!: () => void;
    const isHeld = new Promise<void>((r) => (held = r));
    const long = a.exclusive('held-long', async () => {
      held();
      await holding;
    });
    await isHeld;
    const order: string[] = [];
    const waiting = b.exclusive('held-long', async () => order.push('held-long'));
    await sleep(30);
    await b.exclusive('free', async () => order.push('free'));
    expect(order).toEqual(['free']);
    hold();
    await long;
    await waiting;
    expect(order).toEqual(['free', 'held-long']);
  });

  it('gives up a turn whose conversation another instance keeps past the wait, and the conversation is as it was', async () => {
    const a = (await postgres.open(86_400_000)) as PgConversationStore;
    lastDb = await database.open();
    const b = new PgConversationStore(lastDb, 86_400_000, { lockWaitMs: 100 });
    await a.set('kept', state(1));
    const long = a.exclusive('kept', () => sleep(400));
    await sleep(20);
    let ran = false;
    await expect(
      b.exclusive('kept', async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(ConversationLockedError);
    expect(ran).toBe(false);
    await long;
    expect(await b.exclusive('kept', async () => (await b.get('kept'))?.answers.need)).toBe('n1');
  });

  it('holds the locks of all its turns on one connection, and writes each turn of many at once', async () => {
    const a = (await postgres.open(86_400_000)) as PgConversationStore;
    const db = lastDb as Database;
    const keys = Array.from({ length: 40 }, (_, i) => `many-${i}`);
    let release!: () => void;
    const open = new Promise<void>((r) => (release = r));
    const turns = keys.map((key, i) =>
      a.exclusive(key, async () => {
        await open;
        await a.set(key, state(i));
      }),
    );
    await sleep(100);
    const { rows } = await db.query<{ pids: string; locks: string }>(
      `SELECT count(DISTINCT pid) AS pids, count(*) AS locks FROM pg_locks WHERE locktype = 'advisory' AND classid = 7301`,
    );
    expect(rows[0]).toEqual({ pids: '1', locks: '40' });
    release();
    await Promise.all(turns);
    for (const [i, key] of keys.entries()) expect((await a.get(key))?.answers.need).toBe(`n${i}`);
    const after = await db.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 7301`);
    expect(after.rowCount).toBe(0);
  });

  it('lets go of the lock when a turn throws', async () => {
    const a = (await postgres.open(86_400_000)) as PgConversationStore;
    const b = (await postgres.open(86_400_000)) as PgConversationStore;
    await expect(a.exclusive('thrown', async () => Promise.reject(new Error('turn failed')))).rejects.toThrow('turn failed');
    expect(await b.exclusive('thrown', async () => 'ran')).toBe('ran');
  });

  it('gives the next turn, on another instance, what the turn before it committed', async () => {
    const a = (await postgres.open(86_400_000)) as PgConversationStore;
    const b = (await postgres.open(86_400_000)) as PgConversationStore;
    await a.set('handed', state(1));
    const order: string[] = [];
    let written!: () => void;
    const wrote = new Promise<void>((r) => (written = r));
    const first = a.exclusive('handed', async () => {
      const current = (await a.get('handed')) as ConversationState;
      await a.set('handed', { ...current, answers: { need: 'from a' } });
      written();
      // The write is done but not committed: the other instance's turn must wait for the commit.
      await sleep(150);
      order.push('a done');
    });
    await wrote;
    const second = b.exclusive('handed', async () => {
      order.push('b starts');
      const current = (await b.get('handed')) as ConversationState;
      await b.set('handed', { ...current, misses: current.misses + 1 });
      return current.answers.need;
    });
    await first;
    expect(await second).toBe('from a');
    expect(order).toEqual(['a done', 'b starts']);
    expect(await a.get('handed')).toEqual({ ...state(1), answers: { need: 'from a' }, misses: state(1).misses + 1 });
  });

  it('hands each read of a turn a copy of its own', async () => {
    const a = (await postgres.open(86_400_000)) as PgConversationStore;
    await a.set('copied', state(4));
    await a.exclusive('copied', async () => {
      const read = (await a.get('copied')) as ConversationState;
      read.answers.need = 'changed in place';
      expect(await a.get('copied')).toEqual(state(4));
      await a.set('copied', read);
      expect(await a.get('copied')).toEqual(read);
    });
    expect((await a.get('copied'))?.answers.need).toBe('changed in place');
  });

  it('keeps nothing of a turn that throws, and the next turn has the conversation', async () => {
    const a = (await postgres.open(86_400_000)) as PgConversationStore;
    const b = (await postgres.open(86_400_000)) as PgConversationStore;
    await a.set('rolled', state(1));
    const failing = a.exclusive('rolled', async () => {
      await a.set('rolled', state(2));
      await a.set('rolled', state(3));
      throw new Error('turn failed');
    });
    await expect(failing).rejects.toThrow('turn failed');
    expect((await b.get('rolled'))?.answers.need).toBe('n1');
    const next = b.exclusive('rolled', async () => {
      const read = await b.get('rolled');
      await b.set('rolled', state(4));
      return read?.answers.need;
    });
    expect(await next).toBe('n1');
    expect((await a.get('rolled'))?.answers.need).toBe('n4');
  });

  it('reports a turn whose commit fails, keeps nothing of it, and lets the next turn run, on either instance', async () => {
    const a = (await postgres.open(86_400_000)) as PgConversationStore;
    const b = (await postgres.open(86_400_000)) as PgConversationStore;
    const other = lastDb as Database;
    await a.set('lost', state(1));
    const id = conversationId('lost');
    const turn = a.exclusive('lost', async () => {
      await a.set('lost', state(2));
      // The connection holding the turn's lock goes away before the commit, as when the server restarts.
      const { rows } = await other.query<{ killed: boolean }>(
        `SELECT pg_terminate_backend(pid) AS killed FROM pg_locks WHERE locktype = 'advisory' AND classid = 7301 AND objid::bigint = (hashtext($1)::bigint & 4294967295)`,
        [id],
      );
      expect(rows).toEqual([{ killed: true }]);
      // Long enough for the instance to see its connection go while the turn still runs.
      await sleep(200);
      return 'replied';
    });
    await expect(turn).rejects.toBeInstanceOf(ConversationCommitError);
    expect((await b.get('lost'))?.answers.need).toBe('n1');
    expect(await b.exclusive('lost', async () => (await b.get('lost'))?.answers.need)).toBe('n1');
    // The instance whose connection went runs its next turn on a new one, which prepares the turn's statements anew.
    expect(await a.exclusive('lost', async () => (await a.get('lost'))?.answers.need)).toBe('n1');
  });

  it('applies the migrations once when instances start together', async () => {
    const fresh = await freshDatabase();
    const opened = await Promise.all([1, 2, 3].map(() => Database.open(fresh.url, { max: 2 })));
    const { rows } = await opened[0]!.query<{ n: string }>('SELECT count(*) AS n FROM pgmigrations');
    const files = (await import('node:fs')).readdirSync(join(import.meta.dirname, '..', 'migrations')).filter((f) => f.endsWith('.sql'));
    expect(Number(rows[0]?.n)).toBe(files.length);
    for (const d of opened) await d.close();
    await fresh.drop();
  });

  it('compresses the long values written every turn with lz4 where the server has it, else leaves the default', async () => {
    const fresh = await freshDatabase();
    const db = await Database.open(fresh.url, { max: 1 });
    try {
      const lz4 = await db.query<{ has: boolean }>("SELECT 'lz4' = ANY (enumvals) AS has FROM pg_settings WHERE name = 'default_toast_compression'");
      const { rows } = await db.query<{ col: string; method: string }>(
        `SELECT attrelid::regclass || '.' || attname AS col, attcompression::text AS method FROM pg_attribute
          WHERE (attrelid, attname) IN (('conversations'::regclass, 'state'), ('cases'::regclass, 'record')) ORDER BY col`,
      );
      const method = lz4.rows[0]?.has ? 'l' : '';
      expect(rows).toEqual([
        { col: 'cases.record', method },
        { col: 'conversations.state', method },
      ]);
    } finally {
      await db.close();
      await fresh.drop();
    }
  });
});
