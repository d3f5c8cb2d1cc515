import type { Outcome } from '../consult/outcome.js';
import type { QuestionView } from '../render/question-view.js';

/** What a turn says, independent of any channel; every string is already in the conversation's language. */
export type Message =
  | { type: 'text'; text: string; role?: 'greeting' | 'notice' | 'help' | 'error' }
  | { type: 'question'; question: QuestionView }
  | { type: 'outcome'; outcome: Outcome; markdown: string }
  /** What a message was understood to say, so a wrong reading is seen at once; one item per answer recorded. */
  | { type: 'understood'; text: string; items: { question: string; label: string; changed: boolean }[] };

/** A user's turn: typed text, or a button that names the question it answers. */
export type UserInput = { text: string } | { question: string; answer: string };
