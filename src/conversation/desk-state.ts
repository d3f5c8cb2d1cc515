/** The conversation's memory of its cases: plain JSON, kept across "restart" and "back". */
export interface DeskState {
  /** The channel of the last turn, stored with the cases it opens. */
  channel?: string;
  /**
   * The case of the last outcome: contact details and call-backs go to it. `settled` once a new
   * consultation began: a later outcome is another matter, not a change of this one's answers.
   */
  lastCase?: { reference: string; fingerprint: string; settled?: boolean };
  /** The case last shown in full (an outcome, or a status query): "转人工" asks a call-back for it. */
  current?: string;
  /** The case whose last four digits this conversation gave last. */
  proven?: string;
  contact?: ContactSlice;
  status?: StatusSlice;
}

export interface ContactSlice {
  reference: string;
  step: 'name' | 'code' | 'codeConfirm' | 'mobile';
  draft: { enterpriseName?: string; creditCode?: string; creditCodeCheckFailed?: boolean; mobile?: string };
  /** A code that failed the GB 32100-2015 check, waiting for the user's confirmation. */
  unconfirmedCode?: string;
}

export interface StatusSlice {
  /** What the next message answers: a reference, or the last four digits for a reference. */
  awaiting?: { kind: 'reference' } | { kind: 'digits'; reference: string };
  /** Wrong answers per reference; at the limit the reference is locked for this conversation. */
  attempts: Record<string, number>;
  locked: string[];
  /** Set when a case's status was shown, for the conversation to remember as its current case. */
  shown?: string;
  /** Set when the last four digits were given for it: the conversation may then ask a call-back for it. */
  proven?: string;
}
