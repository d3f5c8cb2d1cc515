import type { Translate } from '../i18n.js';
import type { Knowledge } from '../knowledge/model.js';
import { normalise } from '../understand/normalise.js';
import { readOrdinal } from '../understand/ordinal.js';
import type { UserInput } from './messages.js';
import type { QuestionView } from './question-view.js';

export type YesOrNo = 'yes' | 'no';

/** The locale keys of a follow-up's words, each named in full so that `npm run validate` sees them used. */
export interface YesNoWords {
  prompt: string;
  help: string;
  yes: string;
  no: string;
}

/**
 * A yes/no follow-up of the assistant's own (feedback, a reminder's offer): its question under `id`. Its
 * buttons carry an id that is not a knowledge question, so they never answer one.
 */
export function yesNoView(id: string, words: YesNoWords, t: Translate, params: Record<string, unknown> = {}): QuestionView {
  return {
    id,
    prompt: t(words.prompt, params),
    help: t(words.help),
    options: [
      { index: 1, value: 'yes', label: t(words.yes) },
      { index: 2, value: 'no', label: t(words.no) },
    ],
  };
}

/**
 * Reads the answer to such a follow-up: its button, or a whole message that is a yes or a no of the
 * lexicon, the option's number or its label. Anything else is no answer, and the conversation goes on.
 */
export class YesNoReader {
  private readonly yes: Set<string>;
  private readonly no: Set<string>;

  constructor(private readonly k: Knowledge) {
    const words = (list: string[]) => new Set(list.map(normalise).filter(Boolean));
    this.yes = words(k.lexicon.yes);
    this.no = words(k.lexicon.no);
  }

  read(input: UserInput, view: QuestionView): YesOrNo | undefined {
    if ('question' in input) return input.question === view.id && (input.answer === 'yes' || input.answer === 'no') ? input.answer : undefined;
    if (!('text' in input)) return undefined;
    const n = normalise(input.text);
    if (!n) return undefined;
    const ordinal = readOrdinal(n, this.k.lexicon.ordinalWords, this.k.lexicon.ordinalSuffixes);
    if (ordinal === 1) return 'yes';
    if (ordinal === 2) return 'no';
    if (this.yes.has(n) || n === normalise(view.options[0]!.label)) return 'yes';
    if (this.no.has(n) || n === normalise(view.options[1]!.label)) return 'no';
    return undefined;
  }
}
