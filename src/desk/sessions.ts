import { randomBytes } from 'node:crypto';
import type { Role } from './agent-store.js';
import type { Language } from '../knowledge/schema.js';

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

/** Where sessions live; in memory by default (a restart signs everyone out), an interface for a shared store later. */
export interface SessionStore {
  get(id: string): Promise<DeskSession | undefined>;
  set(session: DeskSession): Promise<void>;
  delete(id: string): Promise<void>;
}

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, DeskSession>();
  async get(id: string) {
    const s = this.sessions.get(id);
    return s ? { ...s } : undefined;
  }
  async set(session: DeskSession) {
    this.sessions.set(session.id, { ...session });
    // Sessions nobody ends are dropped once expired, when the map grows.
    if (this.sessions.size > 10_000) for (const [id, s] of this.sessions) if (Date.now() - s.lastSeen > IDLE_MS) this.sessions.delete(id);
  }
  async delete(id: string) {
    this.sessions.delete(id);
  }
}

export const MAX_AGE_MS = 8 * 3_600_000;
export const IDLE_MS = 30 * 60_000;

/** Sessions: 256 random bits each, ended after 8 hours, or 30 minutes without a request. */
export class Sessions {
  constructor(
    private readonly store: SessionStore,
    private readonly now: () => number = Date.now,
  ) {}

  async begin(name: string, role: Role, accountChangedAt: string, lang?: Language): Promise<DeskSession> {
    const at = this.now();
    const session: DeskSession = {
      id: randomBytes(32).toString('base64url'),
      name,
      role,
      csrf: randomBytes(32).toString('base64url'),
      createdAt: at,
      lastSeen: at,
      accountChangedAt,
      ...(lang ? { lang } : {}),
    };
    await this.store.set(session);
    return session;
  }

  /** The live session of this id, its idle clock restarted; undefined (and forgotten) once expired. */
  async touch(id: string | undefined): Promise<DeskSession | undefined> {
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const s = await this.store.get(id);
    if (!s) return undefined;
    const at = this.now();
    if (at - s.createdAt > MAX_AGE_MS || at - s.lastSeen > IDLE_MS) {
      await this.store.delete(id);
      return undefined;
    }
    const touched = { ...s, lastSeen: at };
    await this.store.set(touched);
    return touched;
  }

  end(id: string): Promise<void> {
    return this.store.delete(id);
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
