import { randomBytes } from 'node:crypto';
import type { Role } from './agent-store.js';
import type { Language } from '../knowledge/schema.js';
import { sessionKey, type SessionStore, type StoredSession } from './session-store.js';

export interface DeskSession {
  id: string;
  name: string;
  role: Role;
  csrf: string;
  lang?: Language;
  createdAt: number;
  lastSeen: number;
  /** The account's changedAt when the session began: a later reset or disabling ends it. */
  accountChangedAt: string;
}

export const MAX_AGE_MS = 8 * 3_600_000;
export const IDLE_MS = 30 * 60_000;

const expiry = (createdAt: number, lastSeen: number) => Math.min(createdAt + MAX_AGE_MS, lastSeen + IDLE_MS);
const toSession = (id: string, s: StoredSession): DeskSession => ({
  id,
  name: s.name,
  role: s.role,
  csrf: s.csrf,
  createdAt: s.createdAt,
  lastSeen: s.lastSeen,
  accountChangedAt: s.accountChangedAt,
  ...(s.lang ? { lang: s.lang } : {}),
});

/**
 * Sessions: 256 random bits each, ended after 8 hours, or 30 minutes without a request. The store is
 * given only the sha256 of an id: whoever reads it (a backup, a database dump) cannot sign in with it.
 */
export class Sessions {
  constructor(
    private readonly store: SessionStore,
    private readonly now: () => number = Date.now,
  ) {}

  async begin(name: string, role: Role, accountChangedAt: string, lang?: Language): Promise<DeskSession> {
    const at = this.now();
    const id = randomBytes(32).toString('base64url');
    const stored: StoredSession = {
      key: sessionKey(id),
      name,
      role,
      csrf: randomBytes(32).toString('base64url'),
      createdAt: at,
      lastSeen: at,
      expiresAt: expiry(at, at),
      accountChangedAt,
      ...(lang ? { lang } : {}),
    };
    // Sessions nobody ended go when the next one begins, so that the store does not grow with them.
    await this.store.deleteExpired(at);
    await this.store.create(stored);
    return toSession(id, stored);
  }

  /** The live session of this id, its idle clock restarted; undefined (and forgotten) once expired. */
  async touch(id: string | undefined): Promise<DeskSession | undefined> {
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const key = sessionKey(id);
    const s = await this.store.get(key);
    if (!s) return undefined;
    const at = this.now();
    // The limits are checked here as well as kept in expiresAt: a store's copy is never trusted to extend them.
    if (at >= s.expiresAt || at - s.createdAt > MAX_AGE_MS || at - s.lastSeen > IDLE_MS) {
      await this.store.delete(key);
      return undefined;
    }
    await this.store.touch(key, at, expiry(s.createdAt, at));
    return toSession(id, { ...s, lastSeen: at });
  }

  end(id: string): Promise<void> {
    return this.store.delete(sessionKey(id));
  }
}

/** Failed sign-ins per name: 5 within 15 minutes lock the name until the oldest of them is 15 minutes old. */
export class SignInLockout {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly limit = 5,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(name: string): number[] {
    const since = this.now() - this.windowMs;
    const kept = (this.failures.get(name) ?? []).filter((t) => t > since);
    if (kept.length > 0) this.failures.set(name, kept);
    else this.failures.delete(name);
    return kept;
  }

  /** Seconds until the name may try again, or undefined when it may now. */
  lockedFor(name: string): number | undefined {
    const kept = this.recent(name);
    if (kept.length < this.limit) return undefined;
    return Math.max(1, Math.ceil((kept[0]! + this.windowMs - this.now()) / 1000));
  }

  fail(name: string): void {
    const kept = this.recent(name);
    kept.push(this.now());
    this.failures.set(name, kept);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value as string);
  }

  succeed(name: string): void {
    this.failures.delete(name);
  }
}
