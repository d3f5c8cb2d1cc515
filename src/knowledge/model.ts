import type {
  CommandName,
  Contacts,
  Condition,
  DecisionRule,
  Guide,
  Language,
  Lexicon,
  LocaleTree,
  Namespace,
  Phrases,
  Procedure,
  Question,
  Systems,
} from './schema.js';

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
  commands: Record<CommandName, string[]>;
  locales: Record<Language, Record<Namespace, LocaleTree>>;
  /** Where each piece came from, for error messages: e.g. rule name -> "rules/decisions/update.json". */
  sources: Map<string, string>;
}
