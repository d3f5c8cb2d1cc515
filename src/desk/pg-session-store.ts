import type { Database } from '../storage/pg/database.js';
import { StoredSession, type SessionStore } from './session-store.js';

interface Row {
  id_hash: string;
  name: string;
  role: string;
  csrf: string;
  data: { lang?: string; createdAt: number; lastSeen: number; expiresAt: number; accountChangedAt: string };
}

/**
 * Desk sessions in PostgreSQL (table desk_sessions of migration 0007), so that an agent signed in through
 * one instance is signed in on all: keyed by the hash of the session id, never the id; each call is one
 * statement. The times in milliseconds stay in `data`; expires_at is their copy for the sweep's index.
 */
export class PgSessionStore implements SessionStore {
  constructor(private readonly db: Database) {}

  async create(s: StoredSession): Promise<void> {
    const v = StoredSession.parse(s);
    const data = { ...(v.lang ? { lang: v.lang } : {}), createdAt: v.createdAt, lastSeen: v.lastSeen, expiresAt: v.expiresAt, accountChangedAt: v.accountChangedAt };
    await this.db.query(
      `INSERT INTO desk_sessions (id_hash, name, role, csrf, created_at, expires_at, data)
       VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0), to_timestamp($6 / 1000.0), $7)
       ON CONFLICT (id_hash) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role, csrf = EXCLUDED.csrf, expires_at = EXCLUDED.expires_at, data = EXCLUDED.data`,
      [v.key, v.name, v.role, v.csrf, v.createdAt, v.expiresAt, data],
    );
  }

  async get(key: string): Promise<StoredSession | undefined> {
    const { rows } = await this.db.query<Row>('SELECT id_hash, name, role, csrf, data FROM desk_sessions WHERE id_hash = $1', [key]);
    const r = rows[0];
    if (!r) return undefined;
    // A row that no longer reads as a session (edited by hand) signs nobody in.
    const parsed = StoredSession.safeParse({ key: r.id_hash, name: r.name, role: r.role, csrf: r.csrf, ...r.data });
    return parsed.success ? parsed.data : undefined;
  }

  async touch(key: string, lastSeen: number, expiresAt: number): Promise<void> {
    await this.db.query(
      `UPDATE desk_sessions SET expires_at = to_timestamp($3 / 1000.0), data = data || jsonb_build_object('lastSeen', $2::bigint, 'expiresAt', $3::bigint) WHERE id_hash = $1`,
      [key, lastSeen, expiresAt],
    );
  }

  async delete(key: string): Promise<void> {
    await this.db.query('DELETE FROM desk_sessions WHERE id_hash = $1', [key]);
  }

  async deleteExpired(now: number): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM desk_sessions WHERE expires_at <= to_timestamp($1 / 1000.0)', [now]);
    return rowCount ?? 0;
  }
}
