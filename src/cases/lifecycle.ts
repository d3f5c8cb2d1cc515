import type { Translate } from '../i18n.js';
import type { Knowledge } from '../knowledge/model.js';
import type { Lifecycle, LifecycleStatus } from '../knowledge/lifecycle-schema.js';

export interface CaseTrack {
  lifecycle: Lifecycle;
  /** The procedure whose stages give the expected dates; none for outcomes without a procedure. */
  tracked?: string;
}

/**
 * Which lifecycle a case follows. An outcome may name two procedures (the 18-digit code added with an
 * on-site update): the case follows the lifecycle of highest priority, timed by its first procedure.
 */
export function trackFor(k: Knowledge, procedures: readonly string[]): CaseTrack {
  let best: CaseTrack | undefined;
  for (const id of procedures) {
    const lifecycle = [...k.lifecycles.values()].find((lc) => lc.procedures.includes(id));
    if (lifecycle && (!best || lifecycle.priority > best.lifecycle.priority)) best = { lifecycle, tracked: id };
  }
  if (best) return best;
  const fallback = [...k.lifecycles.values()].find((lc) => lc.withoutProcedure);
  if (!fallback) throw new Error('no lifecycle for outcomes without a procedure: the knowledge check should have refused this');
  return { lifecycle: fallback };
}

export function statusOf(lc: Lifecycle, id: string): LifecycleStatus | undefined {
  return lc.statuses.find((s) => s.id === id);
}

export function allowedTransitions(lc: Lifecycle, from: string): string[] {
  return [...(lc.transitions[from] ?? [])];
}

/** The wording (i18next context) of a status's texts for the procedure a case follows, if the status has one. */
export function wordingOf(lc: Lifecycle | undefined, tracked: string | undefined, status: string): string | undefined {
  const w = lc?.wording;
  return w && tracked && w.statuses.includes(status) ? w.byProcedure[tracked] : undefined;
}

/**
 * A status's label ("statuses") or next step ("next") in words, worded for the case's own procedure: an
 * unlock is "解锁中", never "制作中".
 */
export function lifecycleText(
  k: Knowledge,
  t: Translate,
  c: { lifecycle: string; tracked?: string | undefined },
  part: 'statuses' | 'next',
  status: string,
  params: Record<string, string> = {},
): string {
  const context = wordingOf(k.lifecycles.get(c.lifecycle), c.tracked, status);
  return t(`lifecycle:${c.lifecycle}.${part}.${status}`, context ? { ...params, context } : params);
}
