import { timingSafeEqual } from 'node:crypto';
import type { CaseRecord } from './case-schema.js';

/**
 * The checklist's address, relative to the service: the reference and the case's own key. The key is what
 * lets the page open, so that trying references one after another learns nothing of which cases exist.
 */
export function checklistPath(c: Pick<CaseRecord, 'reference' | 'checklistKey' | 'lang'>): string {
  const query = new URLSearchParams({ key: c.checklistKey ?? '' });
  if (c.lang === 'en') query.set('lang', 'en');
  return `/cases/${c.reference}/checklist?${query.toString()}`;
}

/** Whether a key given in a link opens this case's checklist (compared in constant time). */
export function checklistKeyMatches(c: Pick<CaseRecord, 'checklistKey'> | undefined, given: string | undefined): boolean {
  if (!c?.checklistKey || given === undefined) return false;
  const a = Buffer.from(c.checklistKey);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
