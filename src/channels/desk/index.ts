import { join } from 'node:path';
import type { ChannelRegistrar } from '../context.js';
import { Accounts } from '../../desk/accounts.js';
import { type AgentStore, FileAgentStore } from '../../desk/agent-store.js';
import { MemorySessionStore, Sessions, SignInLockout, type SessionStore } from '../../desk/sessions.js';
import { PROJECT_ROOT } from '../../knowledge/load.js';
import { deskApi } from './api.js';
import { deskPage } from './page.js';

export interface DeskOptions {
  /** Where the console's page files are (web/desk/ by default). */
  pageDir?: string;
  agents?: AgentStore;
  sessions?: SessionStore;
  /** The clock of sessions and sign-in lockouts (tests move it). */
  now?: () => number;
}

/** The helpdesk's console at /desk and its API at /desk/api, for agents signed in with their accounts. */
export function deskChannel(options: DeskOptions = {}): ChannelRegistrar {
  return (server, ctx) => {
    const now = options.now ?? Date.now;
    const accounts = new Accounts(options.agents ?? ctx.agents ?? new FileAgentStore(ctx.config.EKEY_DATA_DIR), () => new Date(now()));
    deskApi(server, ctx, { accounts, sessions: new Sessions(options.sessions ?? new MemorySessionStore(), now), lockout: new SignInLockout(5, 15 * 60_000, now) });
    deskPage(server, options.pageDir ?? join(PROJECT_ROOT, 'web', 'desk'), ctx);
  };
}
