import type { Outcome } from '../consult/outcome.js';

/**
 * Whether an outcome is worth a case: only a procedure is something the helpdesk follows. "Not yet" (the
 * online update window is not open), the code-check guide alone and the default passwords name none.
 */
export function opensCase(outcome: Outcome): boolean {
  return outcome.procedures.length > 0 && !outcome.notYet;
}
