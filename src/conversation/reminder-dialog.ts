import type { Outcome } from '../consult/outcome.js';
import type { Translate } from '../i18n.js';
import type { Knowledge } from '../knowledge/model.js';
import { addDays, type IsoDate } from '../dates/beijing.js';
import type { Message, UserInput } from './messages.js';
import type { QuestionView } from './question-view.js';
import type { ReminderDesk } from './reminder-desk.js';
import type { ConversationState } from './state.js';
import { YesNoReader, yesNoView } from './yes-no.js';

/** The id the offer's buttons carry as their question: not a knowledge question, so never an answer. */
export const REMINDER = 'reminder';

/**
 * The offer of a certificate reminder after an outcome that learnt an expiry date more than 60 days
 * ahead ("not yet"): a yes or a no (or the option's number or label) answers it; anything else goes on
 * as before and the offer lapses.
 */
export class ReminderDialog {
  private readonly reader: YesNoReader;
  /** The online update opens this many days before expiry (rules/procedures/): a reminder is worth offering only before that. */
  private readonly windowDays: number;

  constructor(
    k: Knowledge,
    private readonly desk: ReminderDesk,
  ) {
    this.reader = new YesNoReader(k);
    this.windowDays = Math.max(0, ...[...k.procedures.values()].map((p) => p.availableDaysBeforeExpiry ?? 0));
  }

  /** Offers one when the outcome knows an expiry beyond the window; remembers what it is about. */
  offer(s: ConversationState, outcome: Outcome, today: string, t: Translate): Message | undefined {
    const expiry = outcome.notYet?.expiryDate ?? outcome.details.expiryDate;
    if (!expiry || addDays(today as IsoDate, this.windowDays) >= expiry) return undefined;
    s.reminder = { expiryDate: expiry, ...(outcome.notYet?.procedure ? { procedure: outcome.notYet.procedure } : {}) };
    return { type: 'question', question: this.view(t, expiry) };
  }

  view(t: Translate, expiryDate: string): QuestionView {
    return yesNoView(REMINDER, { prompt: 'ui:reminder.prompt', help: 'ui:reminder.help', yes: 'ui:reminder.yes', no: 'ui:reminder.no' }, t, {
      date: expiryDate,
      window: addDays(expiryDate as IsoDate, -this.windowDays),
    });
  }

  /** The answer to an open offer, if the message gives one; either way the offer is no longer open. */
  async take(s: ConversationState, input: UserInput, t: Translate, client: string | undefined): Promise<Message[] | undefined> {
    const open = s.reminder;
    delete s.reminder;
    if (!open) return undefined;
    const answer = this.reader.read(input, this.view(t, open.expiryDate));
    if (!answer) return undefined;
    if (answer === 'no' || !client) return [{ type: 'text', role: 'notice', text: t('ui:reminder.declined') }];
    const dates = await this.desk.schedule({
      client,
      lang: s.lang,
      expiryDate: open.expiryDate,
      answers: { ...s.implied, ...s.answers },
      details: { ...s.details },
      ...(open.procedure ? { procedure: open.procedure } : {}),
    });
    return [{ type: 'text', role: 'notice', text: t('ui:reminder.scheduled', { dates: dates.join(t('ui:status.listSeparator')), date: open.expiryDate }) }];
  }

  async cancel(client: string | undefined, t: Translate): Promise<Message[]> {
    const n = client ? await this.desk.cancel(client) : 0;
    return [{ type: 'text', role: 'notice', text: t(n > 0 ? 'ui:reminder.cancelled' : 'ui:reminder.nothingToCancel') }];
  }
}
