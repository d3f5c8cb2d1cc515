import type { Outcome } from '../consult/outcome.js';
import type { Language } from '../knowledge/schema.js';
import type { TranscriptLine } from './transcript.js';

/** A stage's expected dates, as the chat shows them. */
export interface ExpectedView {
  stage: string;
  workingDays: number;
  end: string;
  /** False beyond the years the official calendar covers: only weekends were skipped. */
  holidaysCounted: boolean;
}

/** What the chat may say about a case: no contact details beyond whether a mobile number is on file. */
export interface CaseView {
  reference: string;
  lifecycle: string;
  status: string;
  /** Beijing date of the last status change. */
  statusOn: string;
  remark?: string;
  /** Material ids to submit again after a rejection. */
  resubmit?: string[];
  procedures: string[];
  /** The procedure whose stages time the case. */
  tracked?: string;
  courierToAuthority: boolean;
  expected: ExpectedView[];
  /** The stage running now, if any. */
  running?: ExpectedView;
  /** The printable checklist of the materials, root-relative: each channel makes the address it can use. */
  checklistPath?: string;
}

export interface CaseContact {
  enterpriseName?: string;
  creditCode?: string;
  creditCodeCheckFailed?: boolean;
  mobile?: string;
}

/**
 * What the conversation needs from the helpdesk's cases, and nothing more; the case store implements
 * it (src/conversation/service-case-desk.ts), and without one the conversation simply gives no references.
 */
export interface CaseDesk {
  /** `client`: who asks (the conversation's key), for the cap on new cases a day; over it, CaseLimitError. */
  open(req: {
    outcome: Outcome;
    answers: Record<string, string>;
    lang: Language;
    channel: string;
    client?: string;
    agent?: string;
    transcript?: TranscriptLine[];
  }): Promise<CaseView>;
  /**
   * The case, and the last four digits of its mobile number where it has one (asked before anything is
   * shown); `locked` when too many wrong answers were given for it, in any conversation.
   */
  lookup(reference: string): Promise<{ view: CaseView; lastFour?: string; locked?: boolean } | undefined>;
  /** Checks the last four digits, counting wrong answers per reference across every conversation and channel. */
  checkDigits(reference: string, digits: string, channel: string): Promise<'match' | 'wrong' | 'locked'>;
  setContact(reference: string, contact: CaseContact): Promise<void>;
  /** `transcript`: the conversation's last lines, the context the call-back needs. */
  requestCallback(reference: string, transcript?: TranscriptLine[]): Promise<void>;
}
