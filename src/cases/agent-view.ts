import type { Translate } from '../i18n.js';
import type { CaseRecord } from './case-schema.js';
import { lifecycleText } from './lifecycle.js';
import { referenceDate } from './reference.js';
import type { CaseService } from './service.js';

/** A case as an agent sees it: the record, its status in words, and what may come next. */
export function agentView(cases: CaseService, c: CaseRecord, t: Translate) {
  const lc = cases.lifecycle(c);
  return {
    case: c,
    statusLabel: lifecycleText(cases.knowledge, t, c, 'statuses', c.status),
    allowed: cases.allowed(c).map((id) => {
      const s = lc.statuses.find((x) => x.id === id);
      return { status: id, label: lifecycleText(cases.knowledge, t, c, 'statuses', id), remark: s?.remark ?? 'optional', rejection: !!s?.rejection };
    }),
    materials: cases.materials(c),
  };
}

export function caseSummary(cases: CaseService, c: CaseRecord, t: Translate) {
  return {
    reference: c.reference,
    createdAt: c.createdAt,
    /** The Beijing creation date, the one the reference carries and the date filters select by. */
    createdOn: referenceDate(c.reference),
    updatedAt: c.updatedAt,
    procedures: c.procedures,
    lifecycle: c.lifecycle,
    status: c.status,
    statusLabel: lifecycleText(cases.knowledge, t, c, 'statuses', c.status),
    channel: c.channel,
    lang: c.lang,
    ...(c.contact?.enterpriseName ? { enterpriseName: c.contact.enterpriseName } : {}),
    callbackPending: !!c.callback && !c.callback.doneAt,
  };
}
