import type { Translate } from '../i18n.js';
import type { Knowledge } from '../knowledge/model.js';
import type { Language } from '../knowledge/schema.js';
import type { QuestionView } from './question-view.js';
import { normalise } from '../understand/normalise.js';
import { readOrdinal } from '../understand/ordinal.js';
import type { ConversationState } from './state.js';
import type { UserInput } from './messages.js';

/** Where the conversation reports what content owners should see; nothing personal is passed on unscrubbed. */
export interface InsightSink {
  feedback(e: { rule: string; procedures: string[]; helpful: boolean; lang: Language }): void;
  notUnderstood(e: { text: string; question?: string; lang: Language }): void;
}

/** The id a feedback button carries as its question: not a knowledge question, so never an answer. */
export const FEEDBACK = 'feedback';

/**
 * "Was this helpful?" after an outcome. Only a whole message that is a yes or a no (or the option's number
 * or label) counts as feedback; anything else starts the next consultation as before.
 */
export class FeedbackDialog {
  private readonly yes: Set<string>;
  private readonly no: Set<string>;

  constructor(
    private readonly k: Knowledge,
    private readonly sink: InsightSink,
  ) {
    const words = (list: string[]) => new Set(list.map(normalise).filter(Boolean));
    this.yes = words(k.lexicon.yes);
    this.no = words(k.lexicon.no);
  }

  view(t: Translate): QuestionView {
    return {
      id: FEEDBACK,
      prompt: t('ui:feedback.prompt'),
      help: t('ui:feedback.help'),
      options: [
        { index: 1, value: 'yes', label: t('ui:feedback.yes') },
        { index: 2, value: 'no', label: t('ui:feedback.no') },
      ],
    };
  }

  /** After an outcome: remember what the feedback would be about. */
  ask(s: ConversationState, rule: string, procedures: string[]): void {
    s.feedback = { rule, procedures };
  }

  /** The feedback a message gives, if it gives one; either way the question is no longer open. */
  take(s: ConversationState, input: UserInput, t: Translate): 'yes' | 'no' | undefined {
    const open = s.feedback;
    delete s.feedback;
    if (!open) return undefined;
    let answer: 'yes' | 'no' | undefined;
    if ('question' in input) answer = input.question === FEEDBACK && (input.answer === 'yes' || input.answer === 'no') ? input.answer : undefined;
    else if ('text' in input) answer = this.read(input.text, t);
    if (answer) this.sink.feedback({ ...open, helpful: answer === 'yes', lang: s.lang });
    return answer;
  }

  private read(text: string, t: Translate): 'yes' | 'no' | undefined {
    const n = normalise(text);
    if (!n) return undefined;
    const view = this.view(t);
    const ordinal = readOrdinal(n, this.k.lexicon.ordinalWords, this.k.lexicon.ordinalSuffixes);
    if (ordinal === 1) return 'yes';
    if (ordinal === 2) return 'no';
    if (this.yes.has(n) || n === normalise(view.options[0]!.label)) return 'yes';
    if (this.no.has(n) || n === normalise(view.options[1]!.label)) return 'no';
    return undefined;
  }
}
