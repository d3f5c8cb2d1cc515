import type { Outcome } from '../consult/outcome.js';
import { beijingDate } from '../dates/beijing.js';
import type { Knowledge } from '../knowledge/model.js';
import type { Language, Procedure } from '../knowledge/schema.js';
import type { CaseRecord, Contact, ExpectedStage, TranscriptEntry } from './case-schema.js';
import type { Target } from './notify-target.js';
import { CaseConflictError, CaseInputError, CaseNotFoundError, TransitionError } from './errors.js';
import { initialExpected, restartExpected } from './expected.js';
import { pooledRandom } from './pooled-random.js';
import type { Lifecycle, LifecycleStatus } from '../knowledge/lifecycle-schema.js';
import { allowedTransitions, statusOf, trackFor } from './lifecycle.js';
import type { CasePage, CaseQuery, CaseStore } from './store.js';

export interface OpenCase {
  outcome: Outcome;
  /** Every answer of the consultation (said or implied), to rebuild the outcome for the checklist. */
  answers: Record<string, string>;
  lang: Language;
  channel: string;
  /** The agent who guided the caller (the desk's guide). */
  agent?: string;
  /** Who asks (the conversation's key), for the daily allowance of new cases (src/cases/store.ts). */
  client?: string;
  transcript?: TranscriptEntry[];
  /** Where to tell the enterprise when the case moves (absent: it is not told). */
  notify?: Target;
}

/** The count of changes a case has had: what a change must name to be applied (optimistic concurrency). */
export function caseVersion(c: CaseRecord): number {
  return c.version ?? 0;
}

/** The answers that differ, in the order the new consultation gave them, then those it no longer has. */
export function answerChanges(before: Record<string, string>, after: Record<string, string>): { question: string; from?: string; to?: string }[] {
  const changed: { question: string; from?: string; to?: string }[] = [];
  for (const [question, to] of Object.entries(after)) {
    const from = before[question];
    if (from !== to) changed.push({ question, ...(from !== undefined ? { from } : {}), to });
  }
  for (const [question, from] of Object.entries(before)) if (!(question in after)) changed.push({ question, from });
  return changed;
}

/** Told of every move, after it is stored; a listener that fails does not undo the move. */
export type TransitionListener = (moved: CaseRecord) => void | Promise<void>;

export interface TransitionRequest {
  to: string;
  agent: string;
  remark?: string;
  resubmit?: string[];
  /** The version the agent saw; refused with CaseConflictError when the case has changed since. */
  version?: number;
}

/**
 * What the helpdesk and the chat do with cases: open one per outcome, move it along its lifecycle, keep
 * the contact details and call-back requests. The store keeps records; this decides what is allowed.
 */
export class CaseService {
  constructor(
    readonly knowledge: Knowledge,
    readonly store: CaseStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async open(input: OpenCase): Promise<CaseRecord> {
    const at = this.now();
    const decided = this.decided(input, at);
    return this.store.create(
      (reference) => ({
        reference,
        createdAt: at.toISOString(),
        ...decided,
        history: [{ status: decided.status, at: at.toISOString(), on: beijingDate(at) }],
        channel: input.channel.slice(0, 40) || 'unknown',
        checklistKey: pooledRandom(16).toString('base64url'),
        version: 0,
        ...(input.agent ? { agent: input.agent } : {}),
        ...(input.transcript?.length ? { transcript: input.transcript } : {}),
        ...(input.notify ? { notify: input.notify } : {}),
      }),
      beijingDate(at),
      input.client,
    );
  }

  /**
   * The answers changed after the outcome: while the case is still at its lifecycle's first status
   * (advised, nothing submitted) it takes the new outcome under the same reference; undefined once it has
   * moved on, for the caller to open a new case instead.
   */
  async revise(reference: string, input: OpenCase): Promise<CaseRecord | undefined> {
    const submitted = (c: CaseRecord) => c.status !== this.lifecycle(c).initial || c.history.some((h) => h.agent !== undefined);
    const current = await this.store.get(reference);
    if (!current || submitted(current)) return undefined;
    let moved = false;
    const revised = await this.store.update(reference, (c) => {
      if (submitted(c)) {
        moved = true;
        return c;
      }
      const at = this.now();
      const decided = this.decided(input, at);
      const { tracked: _old, ...rest } = c;
      const changedAnswers = answerChanges(c.answers, decided.answers);
      const entry = { status: decided.status, at: at.toISOString(), on: beijingDate(at), changedFrom: c.procedures, ...(changedAnswers.length ? { changedAnswers } : {}) };
      return { ...rest, ...decided, history: [...c.history, entry] };
    });
    return moved ? undefined : revised;
  }

  /** What an outcome decides of a case: its procedures, lifecycle, first status and expected dates from today. */
  private decided(input: OpenCase, at: Date) {
    const procedures = input.outcome.procedures.map((p) => p.id);
    const track = trackFor(this.knowledge, procedures);
    return {
      updatedAt: at.toISOString(),
      rule: input.outcome.rule,
      why: input.outcome.why,
      answers: { ...input.answers },
      details: { ...input.outcome.details },
      procedures,
      lifecycle: track.lifecycle.id,
      ...(track.tracked ? { tracked: track.tracked } : {}),
      status: track.lifecycle.initial,
      expected: initialExpected(this.stages(track.tracked), beijingDate(at), this.knowledge.calendar),
      lang: input.lang,
    };
  }

  get(reference: string): Promise<CaseRecord | undefined> {
    return this.store.get(reference);
  }

  list(query: CaseQuery): Promise<CasePage> {
    return this.store.list(query);
  }

  lifecycle(c: CaseRecord): Lifecycle {
    const lc = this.knowledge.lifecycles.get(c.lifecycle);
    if (!lc) throw new Error(`case ${c.reference} follows lifecycle "${c.lifecycle}", which rules/lifecycle no longer has`);
    return lc;
  }

  status(c: CaseRecord): LifecycleStatus | undefined {
    return statusOf(this.lifecycle(c), c.status);
  }

  allowed(c: CaseRecord): string[] {
    return allowedTransitions(this.lifecycle(c), c.status);
  }

  /** Every material a case's procedures may ask for: what a rejection may ask to resubmit. */
  materials(c: CaseRecord): string[] {
    const ids = c.procedures.flatMap((id) =>
      (this.knowledge.procedures.get(id)?.materials ?? []).flatMap((m) => (m.material ? [m.material] : Object.values(m.byEnterpriseType ?? {}))),
    );
    return [...new Set(ids)];
  }

  /** The stage running while the case has its current status, with its expected end. */
  running(c: CaseRecord): ExpectedStage | undefined {
    const actor = this.status(c)?.stage;
    return actor ? c.expected.find((e) => e.actor === actor) : undefined;
  }

  private readonly listeners: TransitionListener[] = [];

  /** The composition root subscribes the enterprise's notices here. */
  onTransition(listener: TransitionListener): void {
    this.listeners.push(listener);
  }

  async transition(reference: string, req: TransitionRequest): Promise<CaseRecord> {
    const moved = await this.moveCase(reference, req);
    for (const listener of this.listeners) await listener(moved);
    return moved;
  }

  private moveCase(reference: string, req: TransitionRequest): Promise<CaseRecord> {
    return this.change(reference, req.version, (c) => {
      const lc = this.lifecycle(c);
      const allowed = allowedTransitions(lc, c.status);
      const target = statusOf(lc, req.to);
      if (!target) throw new CaseInputError('unknownStatus', `"${req.to}" is not a status of lifecycle "${lc.id}"`, allowed);
      if (!allowed.includes(req.to)) throw new TransitionError(reference, lc.id, c.status, req.to, allowed, c.tracked);
      const remark = req.remark?.trim() || undefined;
      if (target.remark === 'required' && !remark) throw new CaseInputError('remarkRequired', `"${req.to}" needs a remark`);
      const resubmit = req.resubmit && req.resubmit.length > 0 ? [...new Set(req.resubmit)] : undefined;
      if (resubmit && !target.rejection) throw new CaseInputError('resubmitNotRejection', `"${req.to}" is not a rejection: nothing to resubmit`);
      const known = this.materials(c);
      const unknown = resubmit?.filter((m) => !known.includes(m)) ?? [];
      if (unknown.length > 0) throw new CaseInputError('unknownMaterial', `not a material of this case: ${unknown.join(', ')} (materials: ${known.join(', ')})`);

      const at = this.now();
      const on = beijingDate(at);
      const previous = statusOf(lc, c.status);
      // A stage's working days start again when its actor receives the case, not at every status within it.
      const expected =
        target.stage && target.stage !== previous?.stage ? restartExpected(this.stages(c.tracked), c.expected, target.stage, on, this.knowledge.calendar) : c.expected;
      return {
        ...c,
        status: req.to,
        updatedAt: at.toISOString(),
        expected,
        history: [...c.history, { status: req.to, at: at.toISOString(), on, agent: req.agent, ...(remark ? { remark } : {}), ...(resubmit ? { resubmit } : {}) }],
      };
    });
  }

  async setContact(reference: string, contact: Contact): Promise<CaseRecord> {
    return this.change(reference, undefined, (c) => ({ ...c, contact: { ...c.contact, ...contact }, updatedAt: this.now().toISOString() }));
  }

  /** Erases the contact details and the transcript, and keeps the case (its status, history and dates stay). */
  async eraseContact(reference: string, version?: number): Promise<CaseRecord> {
    const at = this.now().toISOString();
    const erased = await this.change(reference, version, (c) => {
      const { contact: _erased, transcript: _said, ...rest } = c;
      return { ...rest, contactErasedAt: at, updatedAt: at };
    });
    await this.store.purge?.();
    return erased;
  }

  /** Erases the contact details of every case closed (a final status) longer ago than `days`; returns their references. */
  async eraseContactsClosedBefore(days: number): Promise<string[]> {
    const cutoff = this.now().getTime() - days * 86_400_000;
    const finals = new Set([...this.knowledge.lifecycles.values()].flatMap((lc) => lc.statuses.filter((s) => s.final).map((s) => s.id)));
    const erased: string[] = [];
    for (const status of finals) {
      const page = await this.store.list({ status, withContact: true, offset: 0, limit: Number.MAX_SAFE_INTEGER });
      for (const c of page.items) {
        const closedAt = Date.parse(c.history.at(-1)?.at ?? c.updatedAt);
        if (!this.status(c)?.final || closedAt >= cutoff) continue;
        await this.eraseContact(c.reference);
        erased.push(c.reference);
      }
    }
    return erased;
  }

  /** A call-back asked for; the conversation's recent turns, when given, replace the case's transcript. */
  async requestCallback(reference: string, transcript?: TranscriptEntry[]): Promise<CaseRecord> {
    const at = this.now().toISOString();
    return this.change(reference, undefined, (c) => ({ ...c, callback: { requestedAt: at }, ...(transcript?.length ? { transcript } : {}), updatedAt: at }));
  }

  /** An agent takes on an open call-back; refused (CaseConflictError) while another holds it. */
  async claimCallback(reference: string, agent: string): Promise<CaseRecord> {
    const at = this.now().toISOString();
    return this.change(reference, undefined, (c) => {
      if (!c.callback || c.callback.doneAt) return c;
      if (c.callback.claimedBy && c.callback.claimedBy !== agent) throw new CaseConflictError(reference, caseVersion(c), c.callback.claimedBy);
      return { ...c, callback: { ...c.callback, claimedBy: agent, claimedAt: at }, updatedAt: at };
    });
  }

  async callbackDone(reference: string, agent: string): Promise<CaseRecord> {
    const at = this.now().toISOString();
    return this.change(reference, undefined, (c) => {
      if (!c.callback) return c;
      return { ...c, callback: { ...c.callback, doneAt: at, doneBy: agent }, updatedAt: at };
    });
  }

  async require(reference: string): Promise<CaseRecord> {
    const c = await this.store.get(reference);
    if (!c) throw new CaseNotFoundError(reference);
    return c;
  }

  /** Every change goes through here: the version named must be the current one, and a change counts one more. */
  private change(reference: string, version: number | undefined, apply: (c: CaseRecord) => CaseRecord): Promise<CaseRecord> {
    return this.store.update(reference, (c) => {
      if (version !== undefined && version !== caseVersion(c)) throw new CaseConflictError(reference, caseVersion(c));
      const next = apply(c);
      return next === c ? c : { ...next, version: caseVersion(c) + 1 };
    });
  }

  private stages(tracked: string | undefined): Procedure['stages'] {
    return tracked ? (this.knowledge.procedures.get(tracked)?.stages ?? []) : [];
  }
}
