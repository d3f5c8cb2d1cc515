import type { Translate } from '../i18n.js';
import { adaptiveCard, type AdaptiveCard, type ButtonData } from './adaptive-card.js';
import type { QuestionView } from '../conversation/question-view.js';
import { questionText } from './question-text.js';

/** The answer a button or suggested action sends back: always the question it belongs to. */
export function buttonData(view: QuestionView, value: string): ButtonData {
  return { question: view.id, answer: value };
}

/**
 * A question's options as a card of buttons; the prompt is the activity's text, shown just above, so the
 * card does not repeat it. Each button sits in its own ActionSet so that hosts which cap the actions of
 * one set (Teams) still show every option, one per row.
 */
export function questionCard(view: QuestionView, t: Translate): AdaptiveCard {
  return adaptiveCard(
    [
      ...view.options.map((o) => ({
        type: 'ActionSet' as const,
        spacing: 'Small' as const,
        actions: [{ type: 'Action.Submit' as const, title: o.label, data: buttonData(view, o.value) }],
      })),
    ],
    { fallbackText: questionText(view, t), speak: view.prompt },
  );
}
