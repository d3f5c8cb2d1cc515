import type { Message } from '../conversation/messages.js';
import type { Translate } from '../i18n.js';
import { toPlainText } from './outcome-markdown.js';
import { questionText } from './question-view.js';

/** A message as plain text for channels without buttons or Markdown (terminal, WeChat): numbered options, no emphasis, links as their words and address. */
export function plainText(m: Message, t: Translate): string {
  switch (m.type) {
    case 'text':
      // Notices may carry a link (the printable checklist), written in Markdown like the outcome.
      return toPlainText(m.text);
    case 'understood':
      return m.text;
    case 'question':
      return questionText(m.question, t);
    case 'outcome':
      return toPlainText(m.markdown);
  }
}
