import type { Translate } from '../i18n.js';
import type { QuestionView } from '../conversation/question-view.js';

/** The question as text with numbered options, for channels without buttons (terminal, WeChat). */
export function questionText(view: QuestionView, t: Translate): string {
  return [view.prompt, ...view.options.map((o) => `${o.index}. ${o.label}`), t('ui:optionsHint')].join('\n');
}
