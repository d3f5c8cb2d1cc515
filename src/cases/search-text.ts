import type { CaseRecord } from './case-schema.js';

/**
 * The text search's folding and fields, for a store that keeps the search text beside the record (the
 * PostgreSQL one). They must stay those of `haystack` and `caseMatcher` in store.ts, which keeps its own
 * copy for its in-memory scan: tests/store-contract-cases.test.ts runs the same searches on both stores.
 */
export const foldText = (s: string): string => s.normalize('NFKC').toLowerCase();

/** Between fields: a needle never holds a control character, so it never matches across two fields. */
export const FIELD_SEPARATOR = '\u0001';

/** The folded text a case is searched in: reference, enterprise name, credit code, mobile, agents and remarks. */
export function caseSearchText(c: CaseRecord): string {
  return foldText(
    [c.reference, c.contact?.enterpriseName, c.contact?.creditCode, c.contact?.mobile, c.agent, ...c.history.flatMap((h) => [h.remark, h.agent])]
      .filter(Boolean)
      .join(FIELD_SEPARATOR)
      // PostgreSQL's text holds no NUL; a NUL inside a field would not be typed into a search anyway.
      .replaceAll('\u0000', ''),
  );
}

/** What is looked for in the folded text: the query folded, its spaces made one, without control characters. */
export function searchNeedle(text: string): string {
  return foldText(text)
    .replace(/\s+/g, ' ')
    .replace(/\p{Cc}/gu, '');
}
