import type restify from 'restify';
import type { CaseService } from '../cases/service.js';
import type { Config } from '../config.js';
import type { Conversation } from '../conversation/conversation.js';
import type { ConversationService } from '../conversation/service.js';
import type { InsightsKeeper } from '../insights/store.js';
import type { Knowledge } from '../knowledge/model.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { NotificationOutbox } from '../notify/outbox.js';
import type { TargetBook } from '../notify/targets.js';
import type { Database } from '../storage/pg/database.js';
import type { ReminderService } from '../notify/reminders.js';
import type { AgentStore } from '../desk/agent-store.js';

/**
 * What every channel gets to work with. The composition root (src/app.ts) builds it; channels take it
 * from here and never import app.ts, so that nothing imports the composition root back.
 */
export interface AppContext {
  config: Config;
  knowledge: Knowledge;
  conversation: Conversation;
  conversations: ConversationService;
  logger: Logger;
  metrics: Metrics;
  /** What content owners read behind the agent token: feedback and messages not understood. */
  insights?: InsightsKeeper;
  /** The helpdesk's cases (agent API, checklist, status in the chat). */
  cases?: CaseService;
  /** The enterprise's notices: channels register how they send, and say where each conversation can be reached. */
  notify?: { outbox: NotificationOutbox; targets: TargetBook; reminders?: ReminderService };
  /** The PostgreSQL database of DATABASE_URL, where channels keep what every instance must share; none with files. */
  database?: Database;
  /** The desk's agent accounts (PostgreSQL with DATABASE_URL; EKEY_DATA_DIR/agents.json when absent). */
  agents?: AgentStore;
}

export type ChannelRegistrar = (server: restify.Server, ctx: AppContext) => void | Promise<void>;
