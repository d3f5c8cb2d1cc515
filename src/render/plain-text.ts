import type { Message } from '../conversation/messages.js';
import type { Translate } from '../i18n.js';
import { toPlainText } from './outcome-markdown.js';
import { questionText } from './question-view.js';

/** A message as plain text for channels without buttons or Markdown (terminal, WeChat): numbered options, the outcome without emphasis. */
export function plainText(m: Message, t: Translate): string {
  switch (m.type) {
    case 'text':
      return m.text;
    case 'question':
      return questionText(m.question, t);
    case 'outcome':
      return toPlainText(m.markdown);
  }
}
