// Before restify: lets it load on Node 24.
import './http/restify-node24.js';
import restify from 'restify';
import { ConversationService } from './conversation/service.js';
import { TurnLimit } from './conversation/turn-limit.js';
import { FileConversationStore, type ConversationStore } from './conversation/state-store.js';
import { PgConversationStore } from './conversation/pg-state-store.js';
import { Database } from './storage/pg/database.js';
import { Conversation } from './conversation/conversation.js';
import type { Config } from './config.js';
import { loadKnowledge } from './knowledge/load.js';
import type { Knowledge } from './knowledge/model.js';
import { createLogger, type Logger } from './logger.js';
import { clientAddressing } from './http/client-address.js';
import { bodyCeiling, MAX_REQUEST_BYTES, rateLimit, securityHeaders } from './http/security.js';
import { routerReason } from './http/refusal.js';
import { applyServerLimits } from './http/server-limits.js';
import { answerUpgrades, closeUpgrades } from './http/upgrades.js';
import { requestLanguage } from './channels/http/cases-api.js';
import { accessLog, requestIds } from './observability/access-log.js';
import { Metrics } from './observability/metrics.js';
import { type InsightsKeeper, InsightsStore } from './insights/store.js';
import { PgInsightsStore } from './insights/pg-store.js';
import { Scrubber } from './insights/scrub.js';
import { startHousekeeping } from './housekeeping.js';
import { ServiceCaseDesk } from './conversation/service-case-desk.js';
import { FileCaseStore } from './cases/file-store.js';
import { PgCaseStore } from './cases/pg-store.js';
import { CaseService } from './cases/service.js';
import { type DataDirLock, lockDataDir } from './storage/data-dir-lock.js';
import { CaseQuota } from './cases/case-quota.js';
import { DigitGuard, type DigitGuardOptions } from './cases/digit-guard.js';
import { PgDigitGuard } from './cases/pg-digit-guard.js';
import type { CaseStore } from './cases/store.js';
import { DEFAULT_OUTBOX, NotificationOutbox, type OutboxOptions } from './notify/outbox.js';
import { FileOutboxStore, type OutboxStore } from './notify/outbox-store.js';
import type { OutboxQueue } from './notify/outbox-queue.js';
import { PgOutboxStore } from './notify/pg-outbox-store.js';
import { TargetBook } from './notify/targets.js';
import { tellMoves } from './notify/case-notice.js';
import { OutboxSpool } from './notify/outbox-spool.js';
import { FileReminderStore, ReminderService } from './notify/reminders.js';
import { PgReminderStore } from './notify/pg-reminder-store.js';
import { PgAgentStore } from './desk/pg-agent-store.js';
import { Consultation } from './consult/consultation.js';
import type { Translate } from './i18n.js';

export type { AppContext, ChannelRegistrar } from './channels/context.js';
import type { AppContext, ChannelRegistrar } from './channels/context.js';

export interface App {
  server: restify.Server;
  ctx: AppContext;
  close(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  store?: ConversationStore;
  channels?: ChannelRegistrar[];
  /** Where cases are kept; by default the files in EKEY_DATA_DIR/cases. */
  cases?: CaseStore;
  /** Where the enterprise's notices wait; by default EKEY_DATA_DIR/outbox. */
  outbox?: OutboxStore | OutboxQueue;
  /** The PostgreSQL database of DATABASE_URL, opened by the caller (tests share one); by default opened here. */
  database?: Database;
  /** The outbox's backoff (tests shorten it). */
  outboxOptions?: OutboxOptions;
}

/** Builds the service: knowledge, stores, conversation, channels, HTTP server. Listening is the caller's. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const knowledge = loadKnowledge();
  // Before any store is opened: a second process on the same folder stops here, having touched nothing.
  const owner = lockDataDir(config.EKEY_DATA_DIR);
  try {
    return await build(config, options, logger, knowledge, owner);
  } catch (err) {
    owner.release();
    throw err;
  }
}

async function build(config: Config, options: AppOptions, logger: Logger, knowledge: Knowledge, owner: DataDirLock): Promise<App> {
  // With DATABASE_URL the stores live in PostgreSQL; its pending migrations are applied first, one instance at a time.
  const dbLog = logger.child({ component: 'database' });
  const db =
    options.database ??
    (config.DATABASE_URL ? await Database.open(config.DATABASE_URL, { max: config.EKEY_DB_POOL_MAX, log: (level, message) => dbLog[level](message) }) : undefined);
  const ownDb = db && !options.database ? db : undefined;
  try {
    return await buildOn(config, options, logger, knowledge, owner, db, ownDb);
  } catch (err) {
    await ownDb?.close().catch(() => undefined);
    throw err;
  }
}

async function buildOn(
  config: Config,
  options: AppOptions,
  logger: Logger,
  knowledge: Knowledge,
  owner: DataDirLock,
  db: Database | undefined,
  ownDb: Database | undefined,
): Promise<App> {
  // A case file that fails to parse or fails its schema stops start-up here (CaseStoreError), untouched.
  const dailyLimit = config.EKEY_MAX_CASES_PER_CLIENT_DAY;
  const caseStore = options.cases ?? (db ? new PgCaseStore(db, { dailyLimit }) : await FileCaseStore.open(config.EKEY_DATA_DIR, { allowance: new CaseQuota(dailyLimit) }));
  const cases = new CaseService(knowledge, caseStore);
  const scrubber = new Scrubber(knowledge.scrubWords);
  const fileInsights = db ? undefined : await InsightsStore.open(config.EKEY_DATA_DIR, { scrubber });
  const insights: InsightsKeeper = fileInsights ?? new PgInsightsStore(db as Database, { scrubber });
  if (fileInsights?.keptAside)
    logger.warn({ keptAs: fileInsights.keptAside.path, reason: fileInsights.keptAside.reason }, 'insights file damaged: kept aside, starting without it');
  // Failures and lockouts name the reference and the channel, never the digits given.
  const guardOptions: DigitGuardOptions = {
    onEvent: (event, fields) => logger.warn(fields, event === 'locked' ? 'case reference locked: too many wrong digits' : 'wrong digits for a case reference'),
  };
  const guard = db ? new PgDigitGuard(db, guardOptions) : DigitGuard.open(config.EKEY_DATA_DIR, guardOptions);
  const targets = new TargetBook();
  const desk = new ServiceCaseDesk(cases, guard, (client) => targets.of(client));
  const outbox = new NotificationOutbox(
    options.outbox ?? (db ? new PgOutboxStore(db) : FileOutboxStore.open(config.EKEY_DATA_DIR)),
    logger.child({ component: 'outbox' }),
    options.outboxOptions ?? DEFAULT_OUTBOX,
  );
  const reminders: ReminderService = new ReminderService({
    store: db ? new PgReminderStore(db) : FileReminderStore.open(config.EKEY_DATA_DIR),
    outbox,
    targets,
    consultation: new Consultation(knowledge),
    t: (lang): Translate => conversation.t(lang),
  });
  const conversation = new Conversation(knowledge, { cases: desk, insights, reminders });
  tellMoves(
    cases,
    outbox,
    (lang) => conversation.t(lang),
    (err, moved) => logger.error({ err: { name: err.name, message: err.message }, reference: moved.reference }, 'case notice could not be stored'),
  );
  // Moves made by the case CLI beside the service are handed over through a folder: the outbox is this process's alone.
  const handedOver = new OutboxSpool(config.EKEY_DATA_DIR).follow(outbox, logger.child({ component: 'outbox' }));
  const ttlMs = config.EKEY_CONVERSATION_TTL_HOURS * 3_600_000;
  const store = options.store ?? (db ? new PgConversationStore(db, ttlMs) : new FileConversationStore(config.EKEY_DATA_DIR, ttlMs));
  if (store instanceof FileConversationStore) {
    const found = await store.open();
    if (found.unreadable > 0) logger.warn({ unreadable: found.unreadable, keptAs: found.keptAs }, 'conversation journal damaged: readable conversations kept, the file kept aside');
    if (found.migrated > 0) logger.info({ migrated: found.migrated }, 'conversations moved into the journal');
  }
  const metrics = new Metrics();
  if (db) metrics.watchPool(() => db.figures());
  const turnLimit = config.EKEY_TURN_LIMIT > 0 ? new TurnLimit(config.EKEY_TURN_LIMIT, config.EKEY_TURN_LIMIT_WINDOW_S) : undefined;
  const conversations = new ConversationService(
    conversation,
    store,
    (key, result, seconds) => metrics.observeTurn(key, result, seconds),
    (err) => logger.error({ err: { message: err.message, name: err.name } }, 'turn failed'),
    turnLimit,
  );
  const ctx: AppContext = {
    config,
    knowledge,
    conversation,
    conversations,
    logger,
    metrics,
    cases,
    insights,
    notify: { outbox, targets, reminders },
    ...(db ? { database: db } : {}),
  };
  if (db) ctx.agents = new PgAgentStore(db);

  // restify's own log lines (throttling, discarded values) go through the same redaction as the service's;
  // restify 11 logs with pino, while its type definitions still name bunyan's logger.
  const server = restify.createServer({
    name: 'ekey-assistant',
    handleUncaughtExceptions: false,
    log: logger.child({ component: 'restify' }) as unknown as restify.ServerOptions['log'],
  });
  applyServerLimits(server.server, {
    headersTimeoutMs: config.EKEY_HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.EKEY_HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.EKEY_HTTP_KEEPALIVE_TIMEOUT_MS,
    maxConnections: config.EKEY_HTTP_MAX_CONNECTIONS,
  });
  answerUpgrades(server.server);
  const say = (req: restify.Request) => conversation.t(requestLanguage(req));
  server.pre(requestIds());
  server.pre(clientAddressing(config.EKEY_TRUSTED_PROXIES));
  // Before routing, so that refusals of the router (404, 405) carry them as well.
  server.pre(securityHeaders());
  server.pre(bodyCeiling(MAX_REQUEST_BYTES, (req) => say(req)('ui:errors.bodyTooLarge', { limit: MAX_REQUEST_BYTES })));
  if (config.EKEY_RATE_LIMIT_RPS > 0)
    server.use(
      rateLimit({
        rate: config.EKEY_RATE_LIMIT_RPS,
        burst: config.EKEY_RATE_LIMIT_BURST,
        exempt: ['/healthz', '/metrics', '/api/messages', '/api/wechat'],
        reason: (req) => say(req)('ui:errors.rateLimited', { rate: config.EKEY_RATE_LIMIT_RPS }),
      }),
    );
  server.use(restify.plugins.queryParser({ mapParams: false }));
  accessLog(server, logger, metrics);

  server.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.sendRaw(200, await metrics.registry.metrics());
  });

  let ready = false;
  // A load balancer takes an instance out while its database does not answer.
  server.get('/healthz', async (_req, res) => {
    const database = db ? ((await db.ping()) ? 'ok' : 'unreachable') : 'none';
    const ok = ready && database !== 'unreachable';
    res.status(ok ? 200 : 503);
    res.json({ status: ready ? (ok ? 'ok' : 'degraded') : 'starting', database });
  });

  // A handler that throws must answer 500 without its stack and keep the server serving.
  server.on('restifyError', (req: restify.Request, _res: restify.Response, err: Error & { statusCode?: number }, cb: () => void) => {
    if (!err.statusCode || err.statusCode >= 500) logger.error({ err: { message: err.message, name: err.name }, path: req.getPath() }, 'request failed');
    (err as { toJSON?: () => object }).toJSON = () => ({ code: err.name, message: routerReason(err, req.method, say(req)) });
    return cb();
  });

  for (const register of options.channels ?? []) await register(server, ctx);
  ready = true;

  const housekeeping = startHousekeeping({
    config,
    logger,
    insights,
    cases,
    sendReminders: () => reminders.send(),
    ...(store.sweep ? { sweepConversations: () => (store.sweep as () => Promise<number>).call(store) } : {}),
  });

  return {
    server,
    ctx,
    async close() {
      const housekept = housekeeping.stop();
      // Stop accepting, let requests in flight finish, and drop idle keep-alive sockets so close is prompt.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.server.closeIdleConnections?.();
      closeUpgrades(server.server);
      await closed;
      await housekept;
      await handedOver.stop();
      await outbox.close();
      await caseStore.close();
      await insights.flush();
      await store.close?.();
      await ownDb?.close();
      owner.release();
    },
  };
}
