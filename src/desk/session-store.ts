import { createHash } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ROLES } from './agent-store.js';
import { writeFileAtomic } from '../storage/atomic-file.js';

/** A session as stored: keyed by the sha256 of its id, so that the file (or a table) never holds a cookie that works. */
export const StoredSession = z.strictObject({
  /** sha256 of the session id, hex. */
  key: z.string().regex(/^[0-9a-f]{64}$/),
  name: z.string().min(1),
  role: z.enum(ROLES),
  csrf: z.string().min(1),
  lang: z.enum(['zh-CN', 'en']).optional(),
  createdAt: z.number(),
  lastSeen: z.number(),
  /** The earlier of the 8-hour and the 30-minute-idle limits: past it the session is gone. */
  expiresAt: z.number(),
  /** The account's changedAt when the session began: a later reset or disabling ends it. */
  accountChangedAt: z.string(),
});
export type StoredSession = z.infer<typeof StoredSession>;

/** The key a session id is stored under. */
export const sessionKey = (id: string): string => createHash('sha256').update(id, 'utf8').digest('hex');

/**
 * Where desk sessions live, by key (never the id itself). Five calls, each a single statement of a
 * PostgreSQL table (insert, select, update, delete, delete where expires_at <= now).
 */
export interface SessionStore {
  create(session: StoredSession): Promise<void>;
  get(key: string): Promise<StoredSession | undefined>;
  /** The session was used: its idle clock starts again. */
  touch(key: string, lastSeen: number, expiresAt: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Forgets every session expired at `now`; says how many. */
  deleteExpired(now: number): Promise<number>;
}

export class MemorySessionStore implements SessionStore {
  protected readonly sessions = new Map<string, StoredSession>();
  async create(session: StoredSession) {
    this.sessions.set(session.key, { ...session });
  }
  async get(key: string) {
    const s = this.sessions.get(key);
    return s ? { ...s } : undefined;
  }
  async touch(key: string, lastSeen: number, expiresAt: number) {
    const s = this.sessions.get(key);
    if (s) Object.assign(s, { lastSeen, expiresAt });
  }
  async delete(key: string) {
    this.sessions.delete(key);
  }
  async deleteExpired(now: number) {
    let gone = 0;
    for (const [key, s] of this.sessions)
      if (s.expiresAt <= now) {
        this.sessions.delete(key);
        gone += 1;
      }
    return gone;
  }
}

const SessionsFile = z.strictObject({ format: z.literal(1), sessions: z.array(StoredSession) });

/**
 * A touch is written to the file only once the last one written is this old: a request is not an fsync,
 * and a restart forgets at most this much of an idle clock of 30 minutes.
 */
const TOUCH_WRITE_MS = 60_000;

/**
 * EKEY_DATA_DIR/desk-sessions.json (0600, written atomically): agents stay signed in across a restart.
 * Held in memory by the one service process that owns the data folder (the CLI never opens it). A file
 * that does not read is kept aside and the service starts with nobody signed in: sessions are cheap to lose.
 */
export class FileSessionStore extends MemorySessionStore {
  private writing: Promise<unknown> = Promise.resolve();
  private readonly written = new Map<string, number>();
  /** Set when the file found did not read: where it was moved and why. */
  keptAside?: { path: string; reason: string };

  private constructor(readonly file: string) {
    super();
  }

  static open(dataDir: string): FileSessionStore {
    const store = new FileSessionStore(join(dataDir, 'desk-sessions.json'));
    let raw: string | undefined;
    try {
      raw = readFileSync(store.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (raw === undefined) return store;
    let reason: string | undefined;
    let sessions: StoredSession[] = [];
    try {
      const parsed = SessionsFile.safeParse(JSON.parse(raw));
      if (parsed.success) sessions = parsed.data.sessions;
      else reason = parsed.error.issues[0]?.message ?? 'invalid';
    } catch (err) {
      reason = `not valid JSON (${(err as Error).message})`;
    }
    if (reason !== undefined) {
      const path = `${store.file}.damaged-${Date.now()}`;
      renameSync(store.file, path);
      store.keptAside = { path, reason };
      return store;
    }
    for (const s of sessions) {
      store.sessions.set(s.key, s);
      store.written.set(s.key, s.lastSeen);
    }
    return store;
  }

  override async create(session: StoredSession) {
    await super.create(StoredSession.parse(session));
    await this.save(session.key);
  }

  override async touch(key: string, lastSeen: number, expiresAt: number) {
    await super.touch(key, lastSeen, expiresAt);
    if (this.sessions.has(key) && lastSeen - (this.written.get(key) ?? 0) >= TOUCH_WRITE_MS) await this.save(key);
  }

  override async delete(key: string) {
    if (!this.sessions.has(key)) return;
    await super.delete(key);
    await this.save();
  }

  override async deleteExpired(now: number) {
    const gone = await super.deleteExpired(now);
    if (gone > 0) await this.save();
    return gone;
  }

  /** One write at a time, each of the state when it starts, so that an older write never lands last. */
  private save(touched?: string): Promise<unknown> {
    const run = this.writing
      .catch(() => undefined)
      .then(() => {
        for (const key of this.written.keys()) if (!this.sessions.has(key)) this.written.delete(key);
        if (touched) this.written.set(touched, this.sessions.get(touched)?.lastSeen ?? 0);
        return writeFileAtomic(this.file, JSON.stringify({ format: 1, sessions: [...this.sessions.values()] }), { sync: true });
      });
    this.writing = run;
    return run;
  }
}
