import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consultation } from '../src/consult/consultation.js';
import { createI18n, translator } from '../src/i18n.js';
import { loadKnowledge } from '../src/knowledge/load.js';
import { createLogger } from '../src/logger.js';
import { NotificationOutbox } from '../src/notify/outbox.js';
import { FileOutboxStore } from '../src/notify/outbox-store.js';
import { PgOutboxStore } from '../src/notify/pg-outbox-store.js';
import { PgReminderStore } from '../src/notify/pg-reminder-store.js';
import { addDays, FileReminderStore, ReminderService, type ReminderStore } from '../src/notify/reminders.js';
import { TargetBook } from '../src/notify/targets.js';
import { databasePlace, folderPlace } from './store-places.js';
import { tempDir } from './cases-helpers.js';
import { runTsx } from './cli-run.js';

/**
 * One contract for the reminders' storage, run on both backends through the reminder service: what is
 * scheduled is kept across a reopen, scheduling twice reminds once, a cancelled one is not sent, each
 * day is queued once. PostgreSQL alone: two instances sending at once queue each reminder once.
 */
const knowledge = loadKnowledge();
const i18n = createI18n(knowledge);
const consultation = new Consultation(knowledge);
const silent = createLogger('silent');
const TODAY = '2026-12-01';
const EXPIRY = addDays(TODAY, 90);
const WINDOW = addDays(EXPIRY, -60);
const LAST = addDays(EXPIRY, -15);
const fastOutbox = { baseDelayMs: 10, maxDelayMs: 50, keepDoneMs: 86_400_000, pollMs: 10 };

interface Place {
  store: ReminderStore;
  outbox: NotificationOutbox;
}
interface Backend {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** The reminders and the outbox on the backend's shared place, as a restart or another instance opens them. */
  open(): Promise<Place>;
}

const service = (p: Place) =>
  new ReminderService({
    store: p.store,
    outbox: p.outbox,
    targets: new TargetBook(),
    consultation,
    t: (lang) => translator(i18n, lang),
    now: () => new Date(`${TODAY}T02:00:00Z`),
  });
const ask = (openid: string) => ({ client: `wechat:${openid}`, lang: 'zh-CN' as const, expiryDate: EXPIRY, answers: {}, details: {}, procedure: 'update-online' });

const folder = folderPlace('ekey-reminders-contract-');
const files: Backend = {
  name: 'embedded files',
  setup: () => folder.setup(),
  teardown: () => folder.teardown(),
  async open() {
    return { store: FileReminderStore.open(folder.dir), outbox: new NotificationOutbox(FileOutboxStore.open(folder.dir), silent, fastOutbox) };
  },
};
const database = databasePlace();
const postgres: Backend = {
  name: 'PostgreSQL',
  setup: () => database.setup(),
  teardown: () => database.teardown(),
  async open() {
    const db = await database.open();
    return { store: new PgReminderStore(db), outbox: new NotificationOutbox(new PgOutboxStore(db), silent, fastOutbox) };
  },
};

describe.each([files, postgres])('the reminders on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it('keeps what is scheduled across a reopen, reminds once per expiry, queues each day once, and a cancelled one never', async () => {
    const first = await backend.open();
    const r = service(first);
    expect(await r.schedule(ask('o-kept'))).toEqual([WINDOW, LAST]);
    expect(await r.schedule(ask('o-kept'))).toEqual([WINDOW, LAST]);
    expect(await r.schedule(ask('o-gone'))).toEqual([WINDOW, LAST]);
    expect(await r.cancel('wechat:o-gone')).toBe(1);
    expect(await r.cancel('wechat:o-nobody')).toBe(0);
    await first.outbox.close();

    const second = await backend.open();
    const again = service(second);
    expect((await again.scheduled()).map((s) => [s.reminder.client, s.on, s.kind])).toEqual([
      ['wechat:o-kept', WINDOW, 'window'],
      ['wechat:o-kept', LAST, 'last'],
    ]);
    expect(await again.send(addDays(WINDOW, -1))).toBe(0);
    expect(await again.send(WINDOW)).toBe(1);
    expect(await again.send(WINDOW)).toBe(0);
    expect((await again.scheduled()).map((s) => s.on)).toEqual([LAST]);
    expect(await again.send(LAST)).toBe(1);
    expect(await again.scheduled()).toEqual([]);
    const queued = await second.outbox.list();
    expect(queued.map((n) => [n.id.split(':')[2], n.recipient, n.notice.fields.date])).toEqual([
      ['window', 'wechat:o-kept', WINDOW],
      ['last', 'wechat:o-kept', LAST],
    ]);
    expect(queued[0]!.notice.fields.procedure).toBe(translator(i18n, 'zh-CN')('procedures:update-online.title'));
    // Once every day is queued, 取消提醒 has nothing left to cancel.
    expect(await again.cancel('wechat:o-kept')).toBe(0);
    await second.outbox.close();
  });
});

describe('the reminders on PostgreSQL, two instances', () => {
  beforeAll(() => database.setup());
  afterAll(() => database.teardown());

  it('a send run on two instances at once queues and delivers each reminder once', async () => {
    const a = await postgres.open();
    const b = await postgres.open();
    for (let i = 0; i < 150; i += 1) await service(i % 2 ? a : b).schedule(ask(`o-two-${i}`));
    const delivered: string[] = [];
    for (const p of [a, b]) p.outbox.register('wechat', async (_t, _n, id) => (delivered.push(id), 'sent'));
    const [qa, qb] = await Promise.all([service(a).send(WINDOW), service(b).send(WINDOW)]);
    expect(qa + qb).toBe(150);
    while ((await a.outbox.pending('reminder')) > 0) await new Promise((r) => setTimeout(r, 20));
    await Promise.all([a.outbox.close(), b.outbox.close()]);
    expect(delivered).toHaveLength(150);
    expect(new Set(delivered).size).toBe(150);
    expect((await service(a).scheduled()).every((s) => s.kind === 'last')).toBe(true);
  });

  it('npm run reminders lists and sends from DATABASE_URL', async () => {
    const env = { DATABASE_URL: database.url, EKEY_DATA_DIR: tempDir('ekey-reminders-pg-'), LOG_LEVEL: 'silent' };
    const list = await runTsx(['src/cli/reminders.ts', 'list', '--lang', 'en'], env);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines).toHaveLength(150);
    expect(lines[0]).toBe(`${LAST}\t15 days before\twechat\texpires ${EXPIRY}\tzh-CN`);
    // The day before the last reminders: nothing due, and nothing of the window left waiting.
    const send = await runTsx(['src/cli/reminders.ts', 'send', '--as-of', addDays(LAST, -1), '--lang', 'en'], env);
    expect(send.stderr).toBe('');
    expect(send.stdout.trim()).toBe('0 reminder(s) queued; 0 still waiting in the outbox');
  });
});
