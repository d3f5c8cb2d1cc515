import type { CaseRecord } from './case-schema.js';
import { referenceDate } from './reference.js';
import { caseSearchText } from './search-text.js';

/** The columns a row keeps beside its record, in the order of ROW_COLUMNS. */
export function caseRow(c: CaseRecord): unknown[] {
  return [c.reference, c, referenceDate(c.reference), c.status, c.procedures, !!c.callback && !c.callback.doneAt, !!c.contact || !!c.transcript, c.createdAt, caseSearchText(c)];
}
export const ROW_COLUMNS = 'reference, record, created_on, status, procedures, callback_open, has_contact, created_at, search';
