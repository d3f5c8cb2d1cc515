import type { Translate } from '../i18n.js';
import { adaptiveCard, type AdaptiveCard, type ButtonData, textBlock } from './adaptive-card.js';
import { questionText, type QuestionView } from './question-view.js';

/** The answer a button or suggested action sends back: always the question it belongs to. */
export function buttonData(view: QuestionView, value: string): ButtonData {
  return { question: view.id, answer: value };
}

/**
 * A question as a card: the prompt, then one button per option. Each button sits in its own ActionSet
 * so that hosts which cap the actions of one set (Teams) still show every option, one per row.
 */
export function questionCard(view: QuestionView, t: Translate, lang: string): AdaptiveCard {
  return adaptiveCard(
    [
      textBlock(view.prompt, { weight: 'Bolder' }),
      ...view.options.map((o) => ({
        type: 'ActionSet' as const,
        spacing: 'Small' as const,
        actions: [{ type: 'Action.Submit' as const, title: o.label, data: buttonData(view, o.value) }],
      })),
    ],
    { lang, fallbackText: questionText(view, t), speak: view.prompt },
  );
}
