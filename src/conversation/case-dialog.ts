import type { Outcome } from '../consult/outcome.js';
import { CaseLimitError } from '../cases/errors.js';
import { findReference } from '../cases/reference.js';
import { opensCase } from '../cases/opens-case.js';
import type { Translate } from '../i18n.js';
import type { Knowledge } from '../knowledge/model.js';
import type { CommandName } from '../knowledge/schema.js';
import type { CaseDesk, CaseView } from './case-desk.js';
import { ContactDialog } from './contact-dialog.js';
import type { DeskState, StatusSlice } from './desk-state.js';
import type { CaseNote, Message } from './messages.js';
import { type ConversationState, effectiveAnswers } from './state.js';
import { StatusDialog } from './status-dialog.js';

const notice = (text: string): Message => ({ type: 'text', role: 'notice', text });

/** Answers in the order of their keys: a question asked again re-adds its answer at the end, the same answers still. */
const inKeyOrder = (answers: Record<string, string>) => Object.entries(answers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** What decides whether an outcome is the same case again: its rule and the answers and details it was given. */
const fingerprintOf = (outcome: Outcome, answers: Record<string, string>) => JSON.stringify([outcome.rule, inKeyOrder(answers), inKeyOrder(outcome.details)]);

/**
 * The conversation's side of the helpdesk: a case for every outcome, its reference and expected dates,
 * contact details, status queries and call-back requests. conversation.ts only hands messages over.
 */
export class CaseDialog {
  private readonly status: StatusDialog;
  private readonly contact: ContactDialog;
  /** Who the turn under way on a state is for (the conversation's key), never stored with the state. */
  private readonly clients = new WeakMap<ConversationState, string>();
  /** The desk's agent guiding the caller in the turn under way, likewise never stored. */
  private readonly agents = new WeakMap<ConversationState, string>();

  constructor(
    private readonly k: Knowledge,
    private readonly desk: CaseDesk,
  ) {
    this.status = new StatusDialog(k, desk);
    this.contact = new ContactDialog(k, desk);
  }

  /** Remembers where the conversation is taking place, for the cases it opens. */
  enter(s: ConversationState, channel: string | undefined, client?: string, agent?: string): void {
    if (channel) this.slice(s).channel = channel;
    if (client) this.clients.set(s, client);
    if (agent) this.agents.set(s, agent);
  }

  /** A message for the helpdesk dialogues (status, contact details), or undefined for the consultation. */
  async handle(s: ConversationState, text: string, command: CommandName | undefined, t: Translate): Promise<Message[] | undefined> {
    const d = this.slice(s);
    const status = (d.status ??= { attempts: {}, locked: [] });
    try {
      if (command) {
        // Any command leaves a half-answered question behind.
        delete d.contact;
        status.awaiting = undefined;
        // "查询进度 EK-…" names its case: that is a lookup, not a request to be asked for the reference.
        if (command === 'status' && findReference(text)) {
          const out = await this.status.handle(status, text, t, d.channel);
          this.remember(d, status);
          return out;
        }
        if (command === 'status') return this.status.begin(status, t);
        if (command === 'contact') return this.contact.begin(d, t);
        return undefined;
      }
      const out = d.contact ? await this.contact.answer(d, d.contact, text, t) : await this.status.handle(status, text, t, d.channel);
      this.remember(d, status);
      return out;
    } catch {
      delete d.contact;
      status.awaiting = undefined;
      return [notice(t('ui:cases.failed', { phone: this.k.contacts.hotline?.value }))];
    }
  }

  /**
   * The case for an outcome: its reference, expected dates, checklist, and the offer of contact details; a
   * notice that it failed; or nothing for an outcome that is no procedure. Answers changed after an
   * outcome revise that case while nothing was submitted; after that, a new case says so.
   */
  async outcome(s: ConversationState, outcome: Outcome, t: Translate): Promise<CaseNote | Message | undefined> {
    if (!opensCase(outcome)) return undefined;
    const d = this.slice(s);
    const answers = effectiveAnswers(s);
    const fingerprint = fingerprintOf(outcome, answers);
    try {
      // "Back" and the same answers again give the same outcome: that is the same case, not a new one.
      const same = d.lastCase?.fingerprint === fingerprint ? await this.desk.lookup(d.lastCase.reference) : undefined;
      if (same) {
        d.current = same.view.reference;
        return this.caseNote(same.view, t);
      }
      const request = { outcome, answers, lang: s.lang, channel: d.channel ?? 'unknown' };
      const previous = d.lastCase && !d.lastCase.settled ? d.lastCase.reference : undefined;
      const revised = previous ? await this.desk.revise(previous, request) : undefined;
      const client = this.clients.get(s);
      const agent = this.agents.get(s);
      const view =
        revised ?? (await this.desk.open({ ...request, ...(client ? { client } : {}), ...(agent ? { agent } : {}), ...(s.transcript ? { transcript: s.transcript } : {}) }));
      d.lastCase = { reference: view.reference, fingerprint };
      d.current = view.reference;
      const note = this.caseNote(view, t);
      if (revised) note.referenceText = t('ui:cases.revised', { reference: view.reference });
      else if (previous) note.referenceText = t('ui:cases.newAfterSubmission', { previous, reference: view.reference });
      return note;
    } catch (err) {
      if (err instanceof CaseLimitError) return notice(t('ui:cases.dailyLimit', { count: err.limit, phone: this.k.contacts.hotline?.value }));
      return notice(t('ui:cases.failed', { phone: this.k.contacts.hotline?.value }));
    }
  }

  /** A new consultation begins: its outcome is another matter, not a change of the last case's answers. */
  settle(s: ConversationState): void {
    const last = s.desk?.lastCase;
    if (last) last.settled = true;
  }

  /** "转人工": the current case is flagged for a call-back. */
  async human(s: ConversationState, t: Translate): Promise<Message[]> {
    const d = this.slice(s);
    const reference = d.current ?? d.lastCase?.reference;
    // Only for a case this conversation received, or whose digits it gave: not for any reference typed.
    if (!reference || (reference !== d.lastCase?.reference && reference !== d.proven)) return [];
    // The agent guiding a caller is the person already: nothing is queued for the helpdesk.
    if (this.agents.has(s)) return [notice(t('ui:deskApi.guideNoCallback'))];
    try {
      const found = await this.desk.lookup(reference);
      if (!found) return [];
      await this.desk.requestCallback(reference, s.transcript);
      return [notice(t('ui:cases.callbackFlagged', { reference })), ...(found.lastFour ? [] : [notice(t('ui:cases.callbackNoMobile'))])];
    } catch {
      return [];
    }
  }

  private caseNote(v: CaseView, t: Translate): CaseNote {
    const expected: string[] = [];
    if (v.expected.length > 0 && v.tracked) {
      expected.push(t('ui:cases.expectedIntro'));
      for (const e of v.expected)
        expected.push(
          t('ui:cases.expectedStage', {
            label: t(`procedures:${v.tracked}.stages.${e.stage}`),
            days: t('common:workingDays', { count: e.workingDays }),
            date: e.end,
          }),
        );
      if (v.courierToAuthority) expected.push(t('ui:cases.courierNotIncluded'));
      if (v.expected.some((e) => !e.holidaysCounted)) expected.push(t('ui:cases.noHolidayData', { year: this.k.calendar.years.last + 1 }));
    }
    return {
      reference: v.reference,
      referenceText: t('ui:cases.reference', { reference: v.reference }),
      expected,
      ...(v.tracked ? { tracked: v.tracked } : {}),
      ...(v.checklistPath ? { checklist: { kind: 'checklist' as const, title: t('ui:cases.checklist'), path: v.checklistPath } } : {}),
      offer: t('ui:cases.offerContact'),
    };
  }

  private remember(d: DeskState, status: StatusSlice): void {
    if (status.shown) d.current = status.shown;
    if (status.proven) d.proven = status.proven;
    delete status.shown;
    delete status.proven;
  }

  private slice(s: ConversationState): DeskState {
    return (s.desk ??= {});
  }
}
