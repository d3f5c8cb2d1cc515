import type { Language } from '../knowledge/schema.js';

/** A reminder the user accepted, as the conversation hands it over. */
export interface ReminderRequest {
  /** The conversation's key: where the reminder goes back to, and what "取消提醒" cancels. */
  client: string;
  lang: Language;
  expiryDate: string;
  /** The consultation's answers and details, to decide the procedure that applies on each reminder's day. */
  answers: Record<string, string>;
  details: Record<string, string>;
  /** The procedure the "not yet" outcome named for when the window opens. */
  procedure?: string;
}

/**
 * What the conversation needs from the certificate reminders (src/notify/reminders.ts implements it);
 * without one, no reminder is offered.
 */
export interface ReminderDesk {
  /** The Beijing dates it will be sent on; none when they have all passed. */
  schedule(req: ReminderRequest): Promise<string[]>;
  /** Cancels every reminder of this conversation; how many there were. */
  cancel(client: string): Promise<number>;
}
