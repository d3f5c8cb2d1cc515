import type { CommandName, Contacts, Concepts, Condition, DecisionRule, Guide, Language, Lexicon, LocaleTree, Namespace, Phrases, Procedure, Question, Systems } from './schema.js';
import type { Lifecycle } from './lifecycle-schema.js';
import type { ContactWords } from './contact-words.js';
import type { ScrubWords } from './scrub-words.js';
import type { WorkingDayCalendar } from '../dates/working-days.js';

/** Everything the assistant knows, loaded from rules/, dialogs/ and locales/ and checked. */
export interface Knowledge {
  procedures: Map<string, Procedure>;
  guides: Map<string, Guide>;
  materials: Map<string, { kind: 'form' | 'copy' | 'key' }>;
  contacts: Contacts;
  systems: Systems;
  rules: DecisionRule[];
  conditions: Record<string, Condition>;
  questions: Map<string, Question>;
  lexicon: Lexicon;
  phrases: Phrases;
  /** dialogs/concepts.json: concepts, their combinations, and what typing tolerates. */
  concepts: Concepts;
  commands: Record<CommandName, string[]>;
  /** rules/lifecycle: the statuses a case goes through, per procedure. */
  lifecycles: Map<string, Lifecycle>;
  /** dialogs/contact.json: skipping a contact detail, confirming a credit code. */
  contactWords: ContactWords;
  /** dialogs/personal-data.json: what announces a name, for the insights scrubber. */
  scrubWords: ScrubWords;
  locales: Record<Language, Record<Namespace, LocaleTree>>;
  /** The working days: the chinese-days package and the years added under rules/calendar/. */
  calendar: WorkingDayCalendar;
  /** Where each piece came from, for error messages: e.g. rule name -> "rules/decisions/update.json". */
  sources: Map<string, string>;
}
