import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSessionStore, sessionKey, type SessionStore, type StoredSession } from '../src/desk/session-store.js';
import { PgSessionStore } from '../src/desk/pg-session-store.js';
import { Sessions } from '../src/desk/sessions.js';
import { databasePlace, folderPlace } from './store-places.js';

/**
 * One contract for the desk's sessions, run on both backends: a session is found by the hash of its id
 * only, through another opening too (a restart, another instance); a touch moves its expiry; sign-out and
 * the sweep remove it. The stored rows never hold the session id itself.
 */
interface Backend {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  open(): Promise<SessionStore>;
}
const folder = folderPlace('ekey-sessions-contract-');
const files: Backend = { name: 'embedded files', setup: () => folder.setup(), teardown: () => folder.teardown(), open: async () => FileSessionStore.open(folder.dir) };
const database = databasePlace();
const postgres: Backend = { name: 'PostgreSQL', setup: () => database.setup(), teardown: () => database.teardown(), open: async () => new PgSessionStore(await database.open()) };

const T0 = Date.parse('2026-12-02T01:00:00Z');
const stored = (id: string, over: Partial<StoredSession> = {}): StoredSession => ({
  key: sessionKey(id),
  name: 'zoe',
  role: 'agent',
  csrf: `csrf-${id}`,
  lang: 'zh-CN',
  createdAt: T0,
  lastSeen: T0,
  expiresAt: T0 + 30 * 60_000,
  accountChangedAt: '2026-12-01T00:00:00.000Z',
  ...over,
});

describe.each([files, postgres])('the desk sessions on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it('finds a session by the hash of its id, through another opening too, exactly as stored', async () => {
    const a = await backend.open();
    await a.create(stored('cookie-one'));
    const b = await backend.open();
    expect(await b.get(sessionKey('cookie-one'))).toEqual(stored('cookie-one'));
    expect(await b.get('cookie-one')).toBeUndefined();
    expect(await b.get(sessionKey('another'))).toBeUndefined();
  });

  it('moves the expiry with a touch, and forgets a session signed out or expired', async () => {
    const s = await backend.open();
    await s.create(stored('touched'));
    await s.create(stored('leaving'));
    await s.create(stored('stale', { expiresAt: T0 + 1_000 }));
    await s.touch(sessionKey('touched'), T0 + 120_000, T0 + 150_000 + 30 * 60_000);
    expect(await s.get(sessionKey('touched'))).toMatchObject({ lastSeen: T0 + 120_000, expiresAt: T0 + 150_000 + 30 * 60_000 });
    await s.delete(sessionKey('leaving'));
    expect(await s.get(sessionKey('leaving'))).toBeUndefined();
    expect(await s.deleteExpired(T0 + 60_000)).toBeGreaterThanOrEqual(1);
    expect(await s.get(sessionKey('stale'))).toBeUndefined();
    expect(await s.get(sessionKey('touched'))).toBeDefined();
  });

  // Opened after the sign-in, as a restart is (the file belongs to one process) or another instance would.
  it('signs an agent in on one opening and lets the cookie work on the next, until signed out', async () => {
    let now = T0;
    const one = new Sessions(await backend.open(), () => now);
    const opened = await one.begin('anna', 'supervisor', '2026-12-01T00:00:00.000Z', 'en');
    now += 60_000;
    const two = new Sessions(await backend.open(), () => now);
    expect(await two.touch(opened.id)).toMatchObject({ name: 'anna', role: 'supervisor', csrf: opened.csrf, lang: 'en' });
    await two.end(opened.id);
    expect(await new Sessions(await backend.open(), () => now).touch(opened.id)).toBeUndefined();
  });
});

describe('desk sessions in PostgreSQL', () => {
  beforeAll(() => database.setup());
  afterAll(() => database.teardown());

  it('stores only the hash of the session id', async () => {
    const db = await database.open();
    await new PgSessionStore(db).create(stored('secret-cookie-value'));
    const { rows } = await db.query<{ id_hash: string; data: unknown }>('SELECT id_hash, data FROM desk_sessions');
    expect(JSON.stringify(rows)).not.toContain('secret-cookie-value');
    expect(rows[0]?.id_hash).toBe(sessionKey('secret-cookie-value'));
  });
});
