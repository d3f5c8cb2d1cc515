import type { Outcome } from '../consult/outcome.js';
import type { Translate } from '../i18n.js';
import type { Knowledge } from '../knowledge/model.js';
import { normalise } from '../understand/normalise.js';
import { readOrdinal } from '../understand/ordinal.js';
import type { Message, UserInput } from './messages.js';
import type { QuestionView } from './question-view.js';
import type { ReminderDesk } from './reminder-desk.js';
import type { ConversationState } from './state.js';

/** The id the offer's buttons carry as their question: not a knowledge question, so never an answer. */
export const REMINDER = 'reminder';

/** The online update opens this many days before expiry: a reminder is worth offering only before that. */
const WINDOW_DAYS = 60;

const addDays = (iso: string, days: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * The offer of a certificate reminder after an outcome that learnt an expiry date more than 60 days
 * ahead ("not yet"): a yes or a no (or the option's number or label) answers it; anything else goes on
 * as before and the offer lapses.
 */
export class ReminderDialog {
  private readonly yes: Set<string>;
  private readonly no: Set<string>;

  constructor(
    private readonly k: Knowledge,
    private readonly desk: ReminderDesk,
  ) {
    const words = (list: string[]) => new Set(list.map(normalise).filter(Boolean));
    this.yes = words(k.lexicon.yes);
    this.no = words(k.lexicon.no);
  }

  /** Offers one when the outcome knows an expiry beyond the window; remembers what it is about. */
  offer(s: ConversationState, outcome: Outcome, today: string, t: Translate): Message | undefined {
    const expiry = outcome.notYet?.expiryDate ?? outcome.details.expiryDate;
    if (!expiry || addDays(today, WINDOW_DAYS) >= expiry) return undefined;
    s.reminder = { expiryDate: expiry, ...(outcome.notYet?.procedure ? { procedure: outcome.notYet.procedure } : {}) };
    return { type: 'question', question: this.view(t, expiry) };
  }

  view(t: Translate, expiryDate: string): QuestionView {
    return {
      id: REMINDER,
      prompt: t('ui:reminder.prompt', { date: expiryDate, window: addDays(expiryDate, -WINDOW_DAYS) }),
      help: t('ui:reminder.help'),
      options: [
        { index: 1, value: 'yes', label: t('ui:reminder.yes') },
        { index: 2, value: 'no', label: t('ui:reminder.no') },
      ],
    };
  }

  /** The answer to an open offer, if the message gives one; either way the offer is no longer open. */
  async take(s: ConversationState, input: UserInput, t: Translate, client: string | undefined): Promise<Message[] | undefined> {
    const open = s.reminder;
    delete s.reminder;
    if (!open) return undefined;
    let answer: 'yes' | 'no' | undefined;
    if ('question' in input) answer = input.question === REMINDER && (input.answer === 'yes' || input.answer === 'no') ? input.answer : undefined;
    else if ('text' in input) answer = this.read(input.text, t, open.expiryDate);
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

  private read(text: string, t: Translate, expiryDate: string): 'yes' | 'no' | undefined {
    const n = normalise(text);
    if (!n) return undefined;
    const view = this.view(t, expiryDate);
    const ordinal = readOrdinal(n, this.k.lexicon.ordinalWords, this.k.lexicon.ordinalSuffixes);
    if (ordinal === 1) return 'yes';
    if (ordinal === 2) return 'no';
    if (this.yes.has(n) || n === normalise(view.options[0]!.label)) return 'yes';
    if (this.no.has(n) || n === normalise(view.options[1]!.label)) return 'no';
    return undefined;
  }
}
