import type { Translate } from '../i18n.js';
import type { Knowledge } from '../knowledge/model.js';
import type { Language } from '../knowledge/schema.js';
import type { QuestionView } from './question-view.js';
import type { ConversationState } from './state.js';
import type { UserInput } from './messages.js';
import { YesNoReader, yesNoView, type YesOrNo } from './yes-no.js';

/** Where the conversation reports what content owners should see; nothing personal is passed on unscrubbed. */
export interface InsightSink {
  feedback(e: { rule: string; procedures: string[]; helpful: boolean; lang: Language }): void;
  notUnderstood(e: { text: string; question?: string; lang: Language }): void;
}

/** The id a feedback button carries as its question: not a knowledge question, so never an answer. */
export const FEEDBACK = 'feedback';

/** "Was this helpful?" after an outcome; anything but a yes or a no starts the next consultation as before. */
export class FeedbackDialog {
  private readonly reader: YesNoReader;

  constructor(
    k: Knowledge,
    private readonly sink: InsightSink,
  ) {
    this.reader = new YesNoReader(k);
  }

  view(t: Translate): QuestionView {
    return yesNoView(FEEDBACK, { prompt: 'ui:feedback.prompt', help: 'ui:feedback.help', yes: 'ui:feedback.yes', no: 'ui:feedback.no' }, t);
  }

  /** After an outcome: remember what the feedback would be about. */
  ask(s: ConversationState, rule: string, procedures: string[]): void {
    s.feedback = { rule, procedures };
  }

  /** The feedback a message gives, if it gives one; either way the question is no longer open. */
  take(s: ConversationState, input: UserInput, t: Translate): YesOrNo | undefined {
    const open = s.feedback;
    delete s.feedback;
    if (!open) return undefined;
    const answer = this.reader.read(input, this.view(t));
    if (answer) this.sink.feedback({ ...open, helpful: answer === 'yes', lang: s.lang });
    return answer;
  }
}
