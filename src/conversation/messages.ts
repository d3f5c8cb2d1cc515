import type { Outcome } from '../consult/outcome.js';
import type { OutcomeView } from './outcome-view.js';
import type { QuestionView } from './question-view.js';

/**
 * A page this service serves (the printable checklist, a flowchart), as data: each renderer makes the
 * address it can use from `path` (relative to the service's root), or leaves the link out.
 */
export interface PageLink {
  kind: 'checklist' | 'flowchart';
  /** The words of the link or button. */
  title: string;
  /** Root-relative: "/cases/EK-…/checklist?lang=en", "/flowcharts/replacement.html". */
  path: string;
}

/** The helpdesk case an outcome opened: its reference and expected dates, already in words. */
export interface CaseNote {
  reference: string;
  /** The sentence that gives the reference and how to quote it. */
  referenceText: string;
  /** The expected dates: an introduction, one line per stage, then what they leave out. */
  expected: string[];
  /** The procedure whose stages the expected dates time. */
  tracked?: string;
  checklist?: PageLink;
  /** The offer to leave contact details. */
  offer: string;
}

/** The conversation's own commands, offered beside every question. */
export interface Control {
  command: 'back' | 'restart' | 'human' | 'status';
  /** The button's words, which are also a command the conversation understands when typed. */
  title: string;
}

/**
 * What a turn says, independent of any channel: structure, never Markdown; every string is already in
 * the conversation's language and is shown as it is (no renderer reads markup in it).
 */
export type Message =
  | { type: 'text'; text: string; role?: 'greeting' | 'notice' | 'help' | 'error'; link?: PageLink }
  | { type: 'question'; question: QuestionView; controls?: Control[] }
  | { type: 'understood'; text: string; items: { question: string; label: string; changed: boolean }[] }
  | { type: 'outcome'; outcome: Outcome; view: OutcomeView; case?: CaseNote; controls?: Control[] };

/** A user's turn: typed text, a button that names the question it answers, a request to change an answer, or a command button. */
export type UserInput = { text: string } | { question: string; answer: string } | { change: string } | { command: Control['command'] };
