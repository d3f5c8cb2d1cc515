import type { Translate } from '../../i18n.js';
import type { Message } from '../../conversation/messages.js';
import { toPlainText } from '../../render/outcome-markdown.js';
import { questionText } from '../../render/question-view.js';

/** A message as terminal text: numbered options, the outcome without Markdown emphasis. */
export function consoleText(m: Message, t: Translate): string {
  switch (m.type) {
    case 'text':
      return m.text;
    case 'question':
      return questionText(m.question, t);
    case 'outcome':
      return toPlainText(m.markdown);
  }
}
