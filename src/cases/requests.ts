import { z } from 'zod';
import { isValidDate } from '../dates/beijing.js';
import { Id } from '../knowledge/schema.js';
import type { FilterKind } from './filter-words.js';
import type { CaseQuery } from './store.js';

/** What an agent may ask of the cases, by the API and the CLI alike: checked before it reaches the store. */
const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  // A day that does not exist (2026-02-30, month 13) would silently select nothing.
  .refine((d) => isValidDate(Number(d.slice(0, 4)), Number(d.slice(5, 7)), Number(d.slice(8, 10))), 'must be a date that exists');

/** A procedure or status: its id, or its words in either language (resolved by filterIds). */
const FilterWord = z.string().trim().min(1).max(60);

export const ListQuery = z.strictObject({
  status: FilterWord.optional(),
  procedure: FilterWord.optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  text: z.string().trim().min(1).max(100).optional(),
  callback: z.enum(['true', 'false']).optional(),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

export const TransitionBody = z.strictObject({
  to: Id,
  agent: z.string().trim().min(1).max(100),
  remark: z.string().trim().max(2000).optional(),
  resubmit: z.array(Id).max(20).optional(),
});

export const CallbackBody = z.strictObject({ agent: z.string().trim().min(1).max(100) });

/**
 * The store's query for an agent's request; `name` turns a procedure or status word into ids (filterIds,
 * which throws FilterWordError for a word that names nothing).
 */
export function toCaseQuery(q: z.infer<typeof ListQuery>, name: (kind: FilterKind, word: string) => string[] = (_kind, word) => [word]): CaseQuery {
  return {
    ...(q.status ? { status: name('status', q.status) } : {}),
    ...(q.procedure ? { procedure: name('procedure', q.procedure) } : {}),
    ...(q.from ? { from: q.from } : {}),
    ...(q.to ? { to: q.to } : {}),
    ...(q.text ? { text: q.text } : {}),
    ...(q.callback ? { callback: q.callback === 'true' } : {}),
    offset: (q.page - 1) * q.pageSize,
    limit: q.pageSize,
  };
}
