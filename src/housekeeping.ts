import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseService } from './cases/service.js';
import type { Config } from './config.js';
import type { InsightsKeeper } from './insights/store.js';
import type { Logger } from './logger.js';

/** How often expired data is looked for; each item's lifetime is its own setting. */
export const SWEEP_INTERVAL_MS = 3_600_000;

/** Copies of damaged files kept aside for an operator: `….damaged` (journals, insights) and `….corrupt` (the WeChat outbox). */
const DAMAGED = /\.(damaged|corrupt)$/;

export interface Housekeeping {
  /** One pass now (also run at start and every SWEEP_INTERVAL_MS). */
  run(): Promise<void>;
  /** No further pass; waits for one under way, so that nothing is written after the stores close. */
  stop(): Promise<void>;
}

interface Parts {
  config: Config;
  logger: Logger;
  /** Forgets conversations past their time to live, and removes them from the disk. */
  sweepConversations?: () => Promise<number>;
  insights?: InsightsKeeper;
  cases?: CaseService;
  /** Queues the certificate reminders due today into the outbox (each once). */
  sendReminders?: () => Promise<number>;
}

/**
 * Personal data kept no longer than its lifetime (docs/operations.md, "What is kept"): expired
 * conversations, messages not understood past EKEY_INSIGHTS_RETENTION_DAYS, the contact details of cases
 * closed for EKEY_CONTACT_RETENTION_DAYS, and damaged copies past EKEY_DAMAGED_RETENTION_DAYS. A pass
 * that fails (a full disk) is logged and tried again at the next one.
 */
export function startHousekeeping(parts: Parts, now: () => number = Date.now): Housekeeping {
  const { config, logger } = parts;
  const step = async (name: string, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (err) {
      logger.warn({ err: { name: (err as Error).name, message: (err as Error).message }, step: name }, 'housekeeping step failed');
    }
  };
  let running: Promise<void> | undefined;
  const run = () =>
    (running ??= (async () => {
      if (parts.sweepConversations) await step('conversations', parts.sweepConversations);
      if (parts.insights) await step('insights', async () => parts.insights?.expire(config.EKEY_INSIGHTS_RETENTION_DAYS));
      if (parts.cases)
        await step('contacts', async () => {
          const erased = (await parts.cases?.eraseContactsClosedBefore(config.EKEY_CONTACT_RETENTION_DAYS)) ?? [];
          if (erased.length) logger.info({ references: erased }, 'contact details of long-closed cases erased');
        });
      if (parts.sendReminders)
        await step('reminders', async () => {
          const queued = (await parts.sendReminders?.()) ?? 0;
          if (queued) logger.info({ queued }, 'certificate reminders queued');
        });
      await step('damaged', async () => {
        const removed = removeDamagedCopies(config.EKEY_DATA_DIR, now() - config.EKEY_DAMAGED_RETENTION_DAYS * 86_400_000);
        if (removed.length) logger.info({ files: removed }, 'old copies of damaged files removed');
      });
    })().finally(() => (running = undefined)));
  void run();
  const timer = setInterval(() => void run(), SWEEP_INTERVAL_MS);
  timer.unref();
  return {
    run,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** Damaged copies under the data folder last changed before `before` (ms); returns their paths relative to it. */
export function removeDamagedCopies(dataDir: string, before: number): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dataDir, { recursive: true, encoding: 'utf8' });
  } catch {
    return removed;
  }
  for (const rel of names) {
    if (!DAMAGED.test(rel)) continue;
    const path = join(dataDir, rel);
    try {
      const info = statSync(path);
      if (!info.isFile() || info.mtimeMs >= before) continue;
      rmSync(path, { force: true });
      removed.push(rel);
    } catch {
      // Gone meanwhile.
    }
  }
  return removed;
}
