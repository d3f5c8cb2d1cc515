import type { Language } from '../knowledge/schema.js';
import type { DeskState } from './desk-state.js';
import type { TranscriptLine } from './transcript.js';

interface Snapshot {
  answers: Record<string, string>;
  implied: Record<string, string>;
  details: Record<string, string>;
}

/** Everything a conversation remembers between turns; plain JSON so any store can keep it. */
export interface ConversationState extends Snapshot {
  lang: Language;
  /** The question being asked, so that "2" or "是" can answer it. */
  pending?: string;
  /** Earlier answer sets, newest last, for "back". */
  history: Snapshot[];
  misses: number;
  /** How many distinct questions this consultation has put, for the metrics. */
  asked?: number;
  greeted: boolean;
  /** "Was this helpful?" is open for the outcome given last. */
  feedback?: { rule: string; procedures: string[] };
  /** An outcome was given: the next answer starts a new consultation. */
  finished: boolean;
  /**
   * The outcome asked for a detail it could use (the expiry date, to say from when online update opens):
   * a message that gives it goes on with the same answers instead of starting anew.
   */
  awaiting?: string;
  /** The options offered when only some of the pending question's were (a ranked choice), in their order. */
  offered?: string[];
  /** The full menu of the need was shown after a message not understood: the next time, the hotline instead. */
  menuShown?: boolean;
  /** The language was chosen from something the user or the channel said, not by default. */
  langChosen?: boolean;
  /** Cases, status queries and contact details (src/conversation/case-dialog.ts); survives restart. */
  desk?: DeskState;
  /** The last lines said (capped), copied into a case when it opens or a person is asked for. */
  transcript?: TranscriptLine[];
}

export function newState(lang: Language): ConversationState {
  return { lang, answers: {}, implied: {}, details: {}, history: [], misses: 0, greeted: false, finished: false };
}

export function snapshot(s: ConversationState): Snapshot {
  return { answers: { ...s.answers }, implied: { ...s.implied }, details: { ...s.details } };
}

/** Answers said outright win over answers only implied by others. */
export function effectiveAnswers(s: ConversationState): Record<string, string> {
  return { ...s.implied, ...s.answers };
}
