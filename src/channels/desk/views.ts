import type { CaseRecord } from '../../cases/case-schema.js';
import { checklistPath } from '../../cases/checklist-link.js';
import { lifecycleText } from '../../cases/lifecycle.js';
import { caseVersion, type CaseService } from '../../cases/service.js';
import type { Translate } from '../../i18n.js';

/** The JSON shapes of docs' desk contract (briefs: desk-api.md): what the console shows, already in words. */
export function deskViews(cases: CaseService, t: Translate) {
  const k = cases.knowledge;
  const status = (c: CaseRecord, id: string) => ({ id, label: lifecycleText(k, t, c, 'statuses', id) });
  const procedureList = (ids: readonly string[]) => ids.map((id) => ({ id, label: t(`procedures:${id}.title`) }));
  const procedures = (c: CaseRecord) => procedureList(c.procedures);
  const material = (id: string) => ({ id, label: t(`materials:${id}`) });
  const questionLabel = (question: string) => t(`questions:${question}.label`);
  const answerLabel = (question: string, answer: string) => t(`questions:${question}.options.${answer}`);
  const createdOn = (c: CaseRecord) => c.history[0]?.on ?? `${c.reference.slice(3, 7)}-${c.reference.slice(7, 9)}-${c.reference.slice(9, 11)}`;
  const callback = (c: CaseRecord) =>
    c.callback
      ? {
          callback: {
            requestedAt: c.callback.requestedAt,
            ...(c.callback.claimedBy ? { claimedBy: c.callback.claimedBy } : {}),
            ...(c.callback.doneAt ? { doneAt: c.callback.doneAt } : {}),
          },
        }
      : {};
  const transcript = (c: CaseRecord) => (c.transcript ?? []).map((l) => ({ from: l.from, text: l.text, at: l.at }));

  const summary = (c: CaseRecord) => ({
    reference: c.reference,
    createdOn: createdOn(c),
    procedures: procedures(c),
    status: status(c, c.status),
    ...(c.contact?.enterpriseName ? { enterpriseName: c.contact.enterpriseName } : {}),
    ...(c.contact?.mobile ? { mobile: c.contact.mobile } : {}),
    ...(c.agent ? { agent: c.agent } : {}),
    ...callback(c),
  });

  const detail = (c: CaseRecord) => {
    const lc = cases.lifecycle(c);
    return {
      case: {
        reference: c.reference,
        createdOn: createdOn(c),
        status: status(c, c.status),
        procedures: procedures(c),
        why: c.why.map((w) => ({
          question: w.question,
          questionLabel: questionLabel(w.question),
          answer: w.answer,
          answerLabel: answerLabel(w.question, w.answer),
        })),
        timeline: c.history.map((h) => ({
          status: h.status,
          label: lifecycleText(k, t, c, 'statuses', h.status),
          at: h.at,
          on: h.on,
          ...(h.agent ? { agent: h.agent } : {}),
          ...(h.remark ? { remark: h.remark } : {}),
          ...(h.resubmit?.length ? { resubmit: h.resubmit.map(material) } : {}),
          // A revision is at the same first status as the entry before it: this is what tells them apart.
          ...(h.changedFrom?.length ? { changedFrom: procedureList(h.changedFrom) } : {}),
          ...(h.changedAnswers?.length
            ? {
                changedAnswers: h.changedAnswers.map((a) => ({
                  question: a.question,
                  questionLabel: questionLabel(a.question),
                  ...(a.from ? { from: { id: a.from, label: answerLabel(a.question, a.from) } } : {}),
                  ...(a.to ? { to: { id: a.to, label: answerLabel(a.question, a.to) } } : {}),
                })),
              }
            : {}),
        })),
        expected: c.expected.map((e) => ({ stage: e.stage, label: t(`procedures:${c.tracked}.stages.${e.stage}`), workingDays: e.workingDays, end: e.end })),
        ...(c.contact
          ? {
              contact: {
                ...(c.contact.enterpriseName ? { enterpriseName: c.contact.enterpriseName } : {}),
                ...(c.contact.creditCode ? { creditCode: c.contact.creditCode } : {}),
                ...(c.contact.mobile ? { mobile: c.contact.mobile } : {}),
              },
            }
          : {}),
        transcript: transcript(c),
        ...(c.agent ? { agent: c.agent } : {}),
        ...callback(c),
        channel: c.channel,
        lang: c.lang,
        version: caseVersion(c),
        ...(c.checklistKey ? { checklistPath: checklistPath(c) } : {}),
      },
      transitions: cases.allowed(c).map((to) => {
        const s = lc.statuses.find((x) => x.id === to);
        return { to, label: lifecycleText(k, t, c, 'statuses', to), reject: !!s?.rejection, needsRemark: s?.remark === 'required' };
      }),
      materials: cases.materials(c).map(material),
    };
  };

  const callbackItem = (c: CaseRecord) => ({
    reference: c.reference,
    requestedAt: c.callback?.requestedAt ?? c.updatedAt,
    ...(c.callback?.claimedBy ? { claimedBy: c.callback.claimedBy } : {}),
    procedures: procedures(c),
    status: status(c, c.status),
    ...(c.contact?.enterpriseName ? { enterpriseName: c.contact.enterpriseName } : {}),
    ...(c.contact?.mobile ? { mobile: c.contact.mobile } : {}),
    transcript: transcript(c),
  });

  return { summary, detail, callbackItem };
}
