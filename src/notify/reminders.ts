import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Target } from '../cases/notify-target.js';
import type { Consultation } from '../consult/consultation.js';
import type { ReminderDesk, ReminderRequest } from '../conversation/reminder-desk.js';
import { beijingDate } from '../dates/beijing.js';
import type { Translate } from '../i18n.js';
import type { Language } from '../knowledge/schema.js';
import { writeFileAtomic } from '../storage/atomic-file.js';
import type { NotificationOutbox } from './outbox.js';
import { type Notice, OutboxStoreError } from './outbox-store.js';
import type { TargetBook } from './targets.js';

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const Reminder = z.strictObject({
  id: z.string().min(1),
  /** The conversation that asked for it: "取消提醒" there cancels it. */
  client: z.string().min(1),
  target: Target,
  lang: z.enum(['zh-CN', 'en']),
  expiryDate: IsoDate,
  answers: z.record(z.string(), z.string()),
  details: z.record(z.string(), z.string()),
  procedure: z.string().optional(),
  createdAt: z.string(),
  cancelledAt: z.string().optional(),
  /** The day the 60-day online-update window opens, and 15 days before expiry (Beijing dates). */
  sends: z.array(z.strictObject({ kind: z.enum(['window', 'last']), on: IsoDate, queuedAt: z.string().optional() })),
});
export type Reminder = z.infer<typeof Reminder>;

/** The reminders' storage: the embedded file here, a PostgreSQL table in pg-reminder-store.ts. */
export interface ReminderStore {
  /** The reminders one conversation asked for. */
  ofClient(client: string): Promise<Reminder[]>;
  /** Not cancelled, with a day not yet queued. */
  scheduled(): Promise<Reminder[]>;
  put(r: Reminder): Promise<void>;
  /**
   * Gives `work` each reminder not cancelled with a day not yet queued on or before `asOf`, never the same
   * one to two callers at once (two instances sending together); what `work` returns is stored.
   */
  eachDue(asOf: string, work: (r: Reminder) => Promise<Reminder | undefined>): Promise<void>;
}

/** The first day of a reminder not yet queued: what makes it due. */
export const nextDay = (r: Reminder): string | undefined =>
  r.sends
    .filter((s) => !s.queuedAt)
    .map((s) => s.on)
    .sort()[0];

const FileData = z.strictObject({ format: z.literal(1), reminders: z.array(Reminder) });

/** EKEY_DATA_DIR/reminders/reminders.json, rewritten atomically (fsync, rename, 0600); a damaged file stops start-up, untouched. */
export class FileReminderStore implements ReminderStore {
  private writing: Promise<unknown> = Promise.resolve();
  private constructor(
    private readonly path: string,
    private readonly items: Map<string, Reminder>,
  ) {}

  static open(dataDir: string): FileReminderStore {
    const path = join(dataDir, 'reminders', 'reminders.json');
    const items = new Map<string, Reminder>();
    let raw: string | undefined;
    try {
      raw = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (raw !== undefined) {
      let parsed: z.infer<typeof FileData>;
      try {
        parsed = FileData.parse(JSON.parse(raw));
      } catch (err) {
        throw new OutboxStoreError(`${path}: not a readable reminder file (${(err as Error).message.slice(0, 200)}); left as it is`, { cause: err });
      }
      for (const r of parsed.reminders) items.set(r.id, r);
    }
    return new FileReminderStore(path, items);
  }

  async all(): Promise<Reminder[]> {
    return [...this.items.values()].map((r) => structuredClone(r));
  }

  async ofClient(client: string): Promise<Reminder[]> {
    return (await this.all()).filter((r) => r.client === client);
  }

  async scheduled(): Promise<Reminder[]> {
    return (await this.all()).filter((r) => !r.cancelledAt && nextDay(r) !== undefined);
  }

  /** One process owns the file: one `send` at a time is enough. */
  private sending: Promise<unknown> = Promise.resolve();

  async eachDue(asOf: string, work: (r: Reminder) => Promise<Reminder | undefined>): Promise<void> {
    const run = this.sending
      .catch(() => undefined)
      .then(async () => {
        for (const r of await this.scheduled()) {
          if ((nextDay(r) as string) > asOf) continue;
          const changed = await work(r);
          if (changed) await this.put(changed);
        }
      });
    this.sending = run;
    await run;
  }

  async put(r: Reminder): Promise<void> {
    this.items.set(r.id, structuredClone(r));
    const run = this.writing.catch(() => undefined).then(() => writeFileAtomic(this.path, JSON.stringify({ format: 1, reminders: [...this.items.values()] }), { sync: true }));
    this.writing = run;
    await run;
  }
}

export const WINDOW_DAYS = 60;
export const LAST_DAYS = 15;
/** The answer the consultation gets for the expiry once the window is open (a rule value id of rules/). */
const WITHIN_WINDOW = { expiry: 'within-60-days' };

export const addDays = (iso: string, days: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

export interface ReminderParts {
  store: ReminderStore;
  outbox: NotificationOutbox;
  targets: TargetBook;
  consultation: Consultation;
  t: (lang: Language) => Translate;
  now?: () => Date;
}

/**
 * Certificate reminders: scheduled when the user accepts the offer, queued into the outbox on their day
 * (once: the notice id is the reminder's and the day's), with the procedure the consultation gives for
 * that day; cancelled by "取消提醒" in the same conversation.
 */
export class ReminderService implements ReminderDesk {
  private readonly now: () => Date;
  constructor(private readonly p: ReminderParts) {
    this.now = p.now ?? (() => new Date());
  }

  async schedule(req: ReminderRequest): Promise<string[]> {
    const target = this.p.targets.of(req.client);
    const today = beijingDate(this.now());
    const sends = [
      { kind: 'window' as const, on: addDays(req.expiryDate, -WINDOW_DAYS) },
      { kind: 'last' as const, on: addDays(req.expiryDate, -LAST_DAYS) },
    ].filter((s) => s.on >= today);
    if (!target || sends.length === 0) return [];
    // One reminder per conversation and expiry date: accepting twice does not remind twice.
    for (const r of await this.p.store.ofClient(req.client)) if (r.expiryDate === req.expiryDate && !r.cancelledAt) return r.sends.map((s) => s.on);
    const r: Reminder = {
      id: randomBytes(9).toString('base64url'),
      client: req.client,
      target,
      lang: req.lang,
      expiryDate: req.expiryDate,
      answers: req.answers,
      details: req.details,
      ...(req.procedure ? { procedure: req.procedure } : {}),
      createdAt: this.now().toISOString(),
      sends,
    };
    await this.p.store.put(r);
    return sends.map((s) => s.on);
  }

  async cancel(client: string): Promise<number> {
    let n = 0;
    for (const r of await this.p.store.ofClient(client)) {
      if (r.cancelledAt || r.sends.every((s) => s.queuedAt)) continue;
      await this.p.store.put({ ...r, cancelledAt: this.now().toISOString() });
      n += 1;
    }
    return n;
  }

  /** Reminders not cancelled with a day still to come or not yet queued, soonest first. */
  async scheduled(): Promise<{ reminder: Reminder; on: string; kind: 'window' | 'last' }[]> {
    const out = [];
    for (const r of await this.p.store.scheduled()) for (const s of r.sends) if (!s.queuedAt) out.push({ reminder: r, on: s.on, kind: s.kind });
    return out.sort((a, b) => a.on.localeCompare(b.on));
  }

  /** Queues into the outbox every reminder due on `asOf` (a Beijing date; today by default); the number queued. */
  async send(asOf: string = beijingDate(this.now())): Promise<number> {
    let queued = 0;
    // The notice id is the reminder's and the day's: should a send be cut short after queuing, the next one
    // queues nothing twice.
    await this.p.store.eachDue(asOf, async (r) => {
      for (const s of r.sends) {
        if (s.queuedAt || s.on > asOf) continue;
        if (await this.p.outbox.enqueue(`reminder:${r.id}:${s.kind}`, r.target, await this.notice(r, s.kind, s.on))) queued += 1;
        s.queuedAt = this.now().toISOString();
      }
      return r;
    });
    return queued;
  }

  private async notice(r: Reminder, kind: 'window' | 'last', on: string): Promise<Notice> {
    const t = this.p.t(r.lang);
    const step = await this.p.consultation.next({ ...r.answers, ...WITHIN_WINDOW }, r.details, { today: on });
    // The consultation decides for that day; when it would still ask something, the procedure the outcome named.
    const ids = step.kind === 'outcome' && step.outcome.procedures.length > 0 ? step.outcome.procedures.map((p) => p.id) : r.procedure ? [r.procedure] : [];
    const procedures = ids.map((id) => t(`procedures:${id}.title`));
    const procedure = procedures.join(t('ui:status.listSeparator'));
    return {
      kind: 'reminder',
      lang: r.lang,
      title: t('ui:notify.reminderTitle', { date: r.expiryDate }),
      lines: [t(kind === 'window' ? 'ui:notify.reminderWindow' : 'ui:notify.reminderLast', { procedure }), t('ui:notify.reminderCancel')],
      fields: { procedure, expiry: r.expiryDate, date: on },
    };
  }
}
