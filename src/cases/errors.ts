/** The store cannot be used as it is on disk: a file that does not parse or fails its schema. Never overwritten. */
export class CaseStoreError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`case store file ${file}: ${reason} (the file is left as it is: repair it or move it away)`);
    this.name = 'CaseStoreError';
  }
}

export class CaseNotFoundError extends Error {
  constructor(readonly reference: string) {
    super(`no case ${reference}`);
    this.name = 'CaseNotFoundError';
  }
}

/** A status change the case's lifecycle does not allow from where it stands. */
export class TransitionError extends Error {
  constructor(
    readonly reference: string,
    readonly lifecycle: string,
    readonly from: string,
    readonly to: string,
    readonly allowed: string[],
    /** The procedure the case follows, which words its statuses. */
    readonly tracked?: string,
  ) {
    super(`${reference}: "${to}" cannot follow "${from}" (allowed: ${allowed.join(', ') || 'none'})`);
    this.name = 'TransitionError';
  }
}

/** A request the case cannot take as given: a remark missing where the status needs one, an unknown material. */
export class CaseInputError extends Error {
  constructor(
    readonly code: 'remarkRequired' | 'unknownStatus' | 'unknownMaterial' | 'resubmitNotRejection',
    readonly detail: string,
    /** The statuses that may follow now, where that helps to correct the request. */
    readonly allowed?: string[],
  ) {
    super(`${code}: ${detail}`);
    this.name = 'CaseInputError';
  }
}

/** The client opened as many cases today as it may: the outcome is given without a new reference. */
export class CaseLimitError extends Error {
  constructor(readonly limit: number) {
    super(`no more than ${limit} new cases a day from one client`);
    this.name = 'CaseLimitError';
  }
}

/** The change was asked against a version of the case that another change has replaced since. */
export class CaseConflictError extends Error {
  constructor(
    readonly reference: string,
    readonly current: number,
    /** Who holds what was asked for (a call-back another agent claimed). */
    readonly holder?: string,
  ) {
    super(`${reference}: changed meanwhile (now version ${current})`);
    this.name = 'CaseConflictError';
  }
}
