import { lifecycleText } from '../cases/lifecycle.js';
import { findReference, looksLikeReference, parseReference } from '../cases/reference.js';
import type { Translate } from '../i18n.js';
import type { Knowledge } from '../knowledge/model.js';
import { normalise } from '../understand/normalise.js';
import type { CaseDesk, CaseView } from './case-desk.js';
import type { StatusSlice } from './desk-state.js';
import type { Message } from './messages.js';

/** Wrong answers to the last-four-digits question before a reference is locked for the conversation. */
export const MAX_DIGIT_ATTEMPTS = 3;

const notice = (text: string): Message => ({ type: 'text', role: 'notice', text });
const error = (text: string): Message => ({ type: 'text', role: 'error', text });

/**
 * "查询进度 EK-…": the status of a case, its date, the remark and the next step. A case with a mobile
 * number shows nothing until the last four digits are given; three wrong answers lock the reference for
 * the conversation; and a reference that does not exist gets the very answer a locked one gets, so that
 * trying references tells nothing.
 */
export class StatusDialog {
  private readonly words: string[];

  constructor(
    private readonly k: Knowledge,
    private readonly desk: CaseDesk,
  ) {
    this.words = k.commands.status.map((w) => normalise(w)).sort((a, b) => b.length - a.length);
  }

  /** "查询进度" alone: ask for the reference. */
  begin(slice: StatusSlice, t: Translate): Message[] {
    slice.awaiting = { kind: 'reference' };
    return [notice(t('ui:status.askReference'))];
  }

  /** Handles the message if it belongs to a status query; undefined lets the consultation have it. */
  async handle(slice: StatusSlice, text: string, t: Translate, channel = 'unknown'): Promise<Message[] | undefined> {
    const awaiting = slice.awaiting;
    const reference = findReference(text);
    const asked = this.startsWithStatusWord(text);
    if (reference && (asked || awaiting || parseReference(text) === reference)) return this.lookup(slice, reference, t);
    if (awaiting?.kind === 'digits') return this.verify(slice, awaiting.reference, text, t, channel);
    if (awaiting?.kind === 'reference' || asked) {
      if (looksLikeReference(text) || asked) {
        slice.awaiting = { kind: 'reference' };
        return [error(t('ui:status.badReference'))];
      }
      slice.awaiting = undefined;
    }
    return undefined;
  }

  private startsWithStatusWord(text: string): boolean {
    const said = normalise(text);
    return this.words.some((w) => said.startsWith(w) && said.length > w.length);
  }

  private unavailable(t: Translate): Message[] {
    return [notice(t('ui:status.unavailable', { phone: this.k.contacts.hotline?.value }))];
  }

  private async lookup(slice: StatusSlice, reference: string, t: Translate): Promise<Message[]> {
    slice.awaiting = undefined;
    if (slice.locked.includes(reference)) return this.unavailable(t);
    const found = await this.desk.lookup(reference);
    if (!found || found.locked) return this.unavailable(t);
    if (found.lastFour) {
      slice.awaiting = { kind: 'digits', reference };
      return [notice(t('ui:status.askDigits'))];
    }
    slice.shown = reference;
    return [notice(this.describe(found.view, t))];
  }

  private async verify(slice: StatusSlice, reference: string, text: string, t: Translate, channel: string): Promise<Message[] | undefined> {
    const digits = text.normalize('NFKC').replace(/\s+/g, '');
    // Words without a digit are not an answer to this question but something else: let it pass.
    if (!/\d/.test(digits)) {
      slice.awaiting = undefined;
      return undefined;
    }
    if (!/^\d{4}$/.test(digits)) return [error(t('ui:status.notDigits'))];
    const checked = await this.desk.checkDigits(reference, digits, channel);
    const found = checked === 'match' ? await this.desk.lookup(reference) : undefined;
    if (found) {
      slice.awaiting = undefined;
      delete slice.attempts[reference];
      slice.shown = reference;
      slice.proven = reference;
      return [notice(this.describe(found.view, t))];
    }
    if (checked === 'locked') {
      slice.awaiting = undefined;
      slice.locked.push(reference);
      return [error(t('ui:status.lockedEverywhere', { phone: this.k.contacts.hotline?.value }))];
    }
    const attempts = (slice.attempts[reference] ?? 0) + 1;
    slice.attempts[reference] = attempts;
    if (attempts >= MAX_DIGIT_ATTEMPTS) {
      slice.awaiting = undefined;
      slice.locked.push(reference);
      return [error(t('ui:status.lockedNow', { phone: this.k.contacts.hotline?.value }))];
    }
    return [error(t('ui:status.wrongDigits', { count: MAX_DIGIT_ATTEMPTS - attempts }))];
  }

  describe(v: CaseView, t: Translate): string {
    const sep = t('ui:status.listSeparator');
    const lines = [
      t('ui:status.reference', { reference: v.reference }),
      t('ui:status.procedures', { titles: v.procedures.map((id) => t(`procedures:${id}.title`)).join(sep) || t('ui:status.noProcedure') }),
      t('ui:status.current', { status: lifecycleText(this.k, t, v, 'statuses', v.status), date: v.statusOn }),
    ];
    if (v.remark) lines.push(t('ui:status.remark', { remark: v.remark }));
    if (v.resubmit?.length) lines.push(t('ui:status.resubmit', { materials: v.resubmit.map((m) => t(`materials:${m}`)).join(sep) }));
    lines.push(t('ui:status.next', { next: lifecycleText(this.k, t, v, 'next', v.status, { date: v.running?.end ?? '' }) }));
    if (v.running && !v.running.holidaysCounted) lines.push(t('ui:cases.noHolidayData', { year: this.k.calendar.years.last + 1 }));
    return lines.join('\n');
  }
}
