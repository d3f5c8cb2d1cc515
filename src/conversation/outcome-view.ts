import type { MaterialItem, Outcome, ProcedurePlan } from '../consult/outcome.js';
import type { Translate } from '../i18n.js';
import type { Language } from '../knowledge/schema.js';
import type { PageLink } from './messages.js';

/** The root-relative address of a procedure's flowchart page (the picture and its steps in words); each renderer resolves it as its channel needs. */
export function flowchartPath(procedure: string, lang: Language): string {
  return `/flowcharts/${procedure}.html${lang === 'en' ? '?lang=en' : ''}`;
}

/** An answer that decided the outcome, in words; `question` names it for a change button. */
export interface Deciding {
  question?: string;
  text: string;
}

/**
 * An outcome put into words: sections of lines, shared by cards, plain text and printouts. Plain words
 * only: no renderer reads markup in them.
 */
export interface OutcomeView {
  title: string;
  summary: string;
  why: Deciding[];
  /** The first thing to do, with who does it. */
  next?: string;
  procedures: ProcedureView[];
  guide?: { title: string; steps: string[] };
  passwords: string[];
  notYet?: string;
  contacts: string[];
  separate: boolean;
}

export interface ProcedureView {
  id: string;
  heading: string;
  applies: string;
  steps: { text: string; onFail?: string }[];
  materials: { name: string; requirements: string; text: string }[];
  times: string[];
  notes: string[];
  passwords: string[];
  contacts: string[];
  related: string[];
  flowchart: PageLink;
}

export function materialRequirements(m: MaterialItem, t: Translate): string {
  const parts: string[] = [];
  if (m.signedBy) parts.push(t(`common:requirement.signedBy.${m.signedBy}`));
  if (m.stamp) parts.push(t('common:requirement.stamp'));
  parts.push(t(`common:requirement.quantity.${m.quantity.unit}`, { count: m.quantity.count }));
  if (m.upload) parts.push(t(m.upload.imageFormat ? 'common:requirement.uploadImage' : 'common:requirement.upload', { maxKB: m.upload.maxKB }));
  if (m.bring) parts.push(t('common:requirement.bring'));
  return parts.join(t('ui:outcome.separator'));
}

function passwordLines(list: { system: string; password: string }[], t: Translate): string[] {
  return list.map((p) => t('ui:outcome.password', { system: t(`common:system.${p.system}`), password: p.password }));
}

function contactLines(list: ProcedurePlan['contacts'], t: Translate): string[] {
  return list.map((c) => t('ui:outcome.contact', { label: t(`common:contact.${c.id}`), value: c.value }));
}

/**
 * A procedure's words depend only on its plan (shared and frozen by the consultation) and the language;
 * the same plans come back all day: a hundred translations each, done once.
 */
const views = new WeakMap<ProcedurePlan, WeakMap<Translate, Map<Language, ProcedureView>>>();

function procedureView(p: ProcedurePlan, t: Translate, lang: Language): ProcedureView {
  let byT = views.get(p);
  if (!byT) views.set(p, (byT = new WeakMap()));
  let byLang = byT.get(t);
  if (!byLang) byT.set(t, (byLang = new Map()));
  let view = byLang.get(lang);
  if (!view) byLang.set(lang, (view = deepFreeze(buildProcedureView(p, t, lang))));
  return view;
}

/** Shared views must not be changed by one renderer under another. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function buildProcedureView(p: ProcedurePlan, t: Translate, lang: Language): ProcedureView {
  const ns = `procedures:${p.id}`;
  return {
    flowchart: { kind: 'flowchart', title: t('ui:outcome.flowchart', { title: t(`${ns}.title`) }), path: flowchartPath(p.id, lang) },
    id: p.id,
    heading: t('ui:outcome.procedure', { title: t(`${ns}.title`), section: p.section }),
    applies: t(`${ns}.applies`),
    steps: p.steps.map((s, i) => ({
      text: t('ui:outcome.step', { index: i + 1, actor: t(`common:actor.${s.actor}`), text: t(`${ns}.steps.${s.id}`) }),
      ...(s.onFail === undefined ? {} : { onFail: t('ui:outcome.onFail', { index: s.onFail + 1 }) }),
    })),
    materials: p.materials.map((m) => {
      const name = t(`materials:${m.material}`);
      const requirements = materialRequirements(m, t);
      return { name, requirements, text: t('ui:outcome.material', { name, requirements }) };
    }),
    times: p.stages.map((s) => t('ui:outcome.stage', { label: t(`${ns}.stages.${s.id}`), days: t('common:workingDays', { count: s.workingDays }) })),
    notes: p.notes.map((n) => t(`${ns}.notes.${n}`)),
    passwords: passwordLines(p.passwords, t),
    contacts: contactLines(p.contacts, t),
    related: p.related.map((r) => t('ui:outcome.relatedItem', { title: t(`procedures:${r}.title`), text: t(`${ns}.related.${r}`) })),
  };
}

export function outcomeView(o: Outcome, t: Translate, lang: Language): OutcomeView {
  const procedures = o.procedures.map((p) => procedureView(p, t, lang));
  const first = procedures[0]?.steps[0];
  const view: OutcomeView = {
    title: t('ui:outcome.title'),
    summary: t(`outcomes:${o.rule}`),
    why: o.why.map((w) => ({
      question: w.question,
      text: t('ui:outcome.answer', { label: t(`questions:${w.question}.label`), answer: t(`questions:${w.question}.options.${w.answer}`) }),
    })),
    ...(first ? { next: first.text } : {}),
    procedures,
    passwords: passwordLines(o.passwords ?? [], t),
    contacts: contactLines(o.contacts, t),
    separate: o.procedures.length > 1 && o.procedures.every((p) => p.materials.length > 0),
  };
  if (o.details.expiryDate) view.why.push({ text: t('ui:outcome.expiryDate', { date: o.details.expiryDate }) });
  if (o.guide) {
    const g = o.guide;
    view.guide = { title: t(`guides:${g.id}.title`), steps: g.steps.map((s, i) => `${i + 1}. ${t(`guides:${g.id}.steps.${s}`)}`) };
  }
  if (o.notYet) {
    const n = o.notYet;
    view.notYet = n.availableFrom
      ? t('ui:outcome.notYetDate', { days: n.daysBeforeExpiry, expiry: n.expiryDate, from: n.availableFrom })
      : t('ui:outcome.notYetNoDate', { days: n.daysBeforeExpiry });
  }
  return view;
}
