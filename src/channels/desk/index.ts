import { join } from 'node:path';
import type { ChannelRegistrar } from '../context.js';
import { Accounts } from '../../desk/accounts.js';
import { type AgentStore, FileAgentStore } from '../../desk/agent-store.js';
import { Sessions, SignInLockout } from '../../desk/sessions.js';
import { PgSessionStore } from '../../desk/pg-session-store.js';
import { FileSessionStore, type SessionStore } from '../../desk/session-store.js';
import { PROJECT_ROOT } from '../../knowledge/load.js';
import { deskApi } from './api.js';
import { deskPage } from './page.js';

export interface DeskOptions {
  /** Where the console's page files are (web/desk/ by default). */
  pageDir?: string;
  agents?: AgentStore;
  /** Where sessions live; by default EKEY_DATA_DIR/desk-sessions.json. */
  sessions?: SessionStore;
  /** The clock of sessions and sign-in lockouts (tests move it). */
  now?: () => number;
}

/** The helpdesk's console at /desk and its API at /desk/api, for agents signed in with their accounts. */
export function deskChannel(options: DeskOptions = {}): ChannelRegistrar {
  return (server, ctx) => {
    const now = options.now ?? Date.now;
    const accounts = new Accounts(options.agents ?? ctx.agents ?? new FileAgentStore(ctx.config.EKEY_DATA_DIR), () => new Date(now()));
    const store = options.sessions ?? openSessions(ctx);
    deskApi(server, ctx, { accounts, sessions: new Sessions(store, now), lockout: new SignInLockout(5, 15 * 60_000, now) });
    deskPage(server, options.pageDir ?? join(PROJECT_ROOT, 'web', 'desk'), ctx);
  };
}

function openSessions(ctx: Parameters<ChannelRegistrar>[1]): SessionStore {
  // Shared by every instance on the database: an agent signed in through one is signed in on all.
  if (ctx.database) return new PgSessionStore(ctx.database);
  const store = FileSessionStore.open(ctx.config.EKEY_DATA_DIR);
  if (store.keptAside) ctx.logger.warn({ keptAs: store.keptAside.path, reason: store.keptAside.reason }, 'desk sessions file damaged: kept aside, every agent signs in again');
  return store;
}
