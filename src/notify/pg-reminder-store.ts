import type { Database } from '../storage/pg/database.js';
import { nextDay, Reminder, type ReminderStore } from './reminders.js';

/** Reminders queued per transaction while sending. */
const BATCH = 100;

const UPSERT = `INSERT INTO reminders (id, client, cancelled, next_on, data) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (id) DO UPDATE SET client = EXCLUDED.client, cancelled = EXCLUDED.cancelled, next_on = EXCLUDED.next_on, data = EXCLUDED.data`;
const values = (r: Reminder) => [r.id, r.client, r.cancelledAt !== undefined, nextDay(r) ?? null, r];

/**
 * Reminders in PostgreSQL (table `reminders`), shared by every instance. A send takes the due ones FOR
 * UPDATE SKIP LOCKED inside its transaction and marks their days queued before it commits: two instances
 * sending at once take different reminders, and each day is queued once.
 */
export class PgReminderStore implements ReminderStore {
  constructor(private readonly db: Database) {}

  async ofClient(client: string): Promise<Reminder[]> {
    const { rows } = await this.db.query<{ data: unknown }>('SELECT data FROM reminders WHERE client = $1', [client]);
    return rows.map((r) => Reminder.parse(r.data));
  }

  async scheduled(): Promise<Reminder[]> {
    const { rows } = await this.db.query<{ data: unknown }>('SELECT data FROM reminders WHERE NOT cancelled AND next_on IS NOT NULL ORDER BY next_on');
    return rows.map((r) => Reminder.parse(r.data));
  }

  async put(r: Reminder): Promise<void> {
    await this.db.query(UPSERT, values(Reminder.parse(r)));
  }

  async eachDue(asOf: string, work: (r: Reminder) => Promise<Reminder | undefined>): Promise<void> {
    for (;;) {
      const taken = await this.db.transaction(async (client) => {
        const { rows } = await client.query<{ data: unknown }>(
          'SELECT data FROM reminders WHERE NOT cancelled AND next_on IS NOT NULL AND next_on <= $1 ORDER BY next_on, id LIMIT $2 FOR UPDATE SKIP LOCKED',
          [asOf, BATCH],
        );
        let changed = 0;
        for (const row of rows) {
          const after = await work(Reminder.parse(row.data));
          if (after) await client.query(UPSERT, values(Reminder.parse(after)));
          if (after) changed += 1;
        }
        return { rows: rows.length, changed };
      });
      // A full batch left as it was would be taken again: only a batch that moved on calls for another.
      if (taken.rows < BATCH || taken.changed === 0) return;
    }
  }
}
