import type { Message } from '../conversation/messages.js';
import type { Translate } from '../i18n.js';
import { type LinkBase, linkUrl } from './links.js';
import { questionText } from './question-text.js';

type OutcomeMessage = Extract<Message, { type: 'outcome' }>;

const block = (...groups: (string | undefined)[][]) =>
  groups
    .map((g) => g.filter((x): x is string => Boolean(x)).join('\n'))
    .filter(Boolean)
    .join('\n\n');

/** The words every part is built with: a part's title, a link as its words and address, and whether the outcome has several procedures. */
function partWords(m: OutcomeMessage, t: Translate, where: LinkBase) {
  const part = (title: string) => t('ui:outcome.part', { title });
  const link = (l: { title: string; path: string; kind: 'checklist' | 'flowchart' } | undefined) => {
    const url = l && linkUrl(l, where);
    return url && l ? t('ui:outcome.link', { title: l.title, url }) : undefined;
  };
  return { part, link, several: m.view.procedures.length > 1 };
}

/**
 * The outcome's first part alone: what to do and why, the next step, the reference and the dates. A
 * card's fallback text is this, so the other parts are not put into words for it.
 */
export function outcomeSummaryText(m: OutcomeMessage, t: Translate, where: LinkBase): string {
  const v = m.view;
  const { part, link, several } = partWords(m, t, where);
  const tracked = (id: string) => Boolean(m.case && m.case.expected.length > 0 && m.case.tracked === id);
  const times = v.procedures.flatMap((p, i) =>
    tracked(p.id)
      ? []
      : [
          several ? part(`${t('ui:outcome.times')} · ${p.heading}`) : part(t('ui:outcome.times')),
          ...(p.times.length ? p.times : [t('ui:outcome.noTimes')]),
          ...(m.outcome.procedures[i]?.courierToAuthority ? [t('ui:outcome.courierToAuthority')] : []),
        ],
  );
  return block(
    [part(v.procedures.length ? v.procedures.map((p) => p.heading).join(' + ') : v.title), v.summary],
    v.why.length ? [part(t('ui:outcome.why')), ...v.why.map((w) => w.text)] : [],
    [v.notYet],
    v.guide ? [part(v.guide.title), ...v.guide.steps] : [],
    v.passwords.length ? [part(t('ui:outcome.passwords')), ...v.passwords, t('ui:outcome.passwordsNotPin')] : [],
    v.next ? [part(t('ui:outcome.next')), v.next] : [],
    m.case ? [m.case.referenceText, ...m.case.expected, link(m.case.checklist)] : [],
    times,
  );
}

/**
 * The outcome in parts that each make sense alone, most useful first, for channels that send a long
 * answer as several messages (WeChat): what to do and why, the next step, the reference and the dates;
 * then the materials; then the steps; then the notes and contacts.
 */
function outcomeParts(m: OutcomeMessage, t: Translate, where: LinkBase): string[] {
  const v = m.view;
  const { part, link, several } = partWords(m, t, where);
  const parts = [outcomeSummaryText(m, t, where)];
  const materials = v.procedures.flatMap((p) =>
    p.materials.length === 0
      ? []
      : [
          part(several ? `${t('ui:outcome.materialsCount', { count: p.materials.length })} · ${p.heading}` : t('ui:outcome.materialsCount', { count: p.materials.length })),
          ...p.materials.map((x, i) => `${i + 1}. ${x.text}`),
        ],
  );
  if (materials.length) parts.push(block(materials, v.separate ? [t('ui:outcome.materialsSeparate')] : []));
  for (const p of v.procedures) {
    if (p.steps.length === 0) continue;
    parts.push(
      block(
        [
          part(several ? `${t('ui:outcome.steps')} · ${p.heading}` : t('ui:outcome.steps')),
          t('ui:outcome.applies', { text: p.applies }),
          ...p.steps.flatMap((s) => [s.text, s.onFail]),
        ],
        [link(p.flowchart)],
      ),
    );
  }
  const more = block(
    ...v.procedures.flatMap((p) => [
      p.notes.length ? [part(several ? `${t('ui:outcome.notes')} · ${p.heading}` : t('ui:outcome.notes')), ...p.notes] : [],
      p.passwords.length ? [part(t('ui:outcome.passwords')), ...p.passwords, t('ui:outcome.passwordsNotPin')] : [],
      p.contacts.length ? [part(t('ui:outcome.contacts')), ...p.contacts] : [],
      p.related.length ? [part(t('ui:outcome.related')), ...p.related] : [],
    ]),
    v.contacts.length ? [part(t('ui:outcome.contacts')), ...v.contacts] : [],
    [m.case?.offer],
  );
  if (more) parts.push(more);
  return parts;
}

/**
 * A message as plain text for channels without buttons or Markdown (terminal, WeChat): numbered options,
 * no marks of any kind, links as their words and full address (or left out where no address would work).
 * Each entry is one part that makes sense alone; a channel may send them as separate messages.
 */
export function plainParts(m: Message, t: Translate, where: LinkBase): string[] {
  switch (m.type) {
    case 'text': {
      const url = m.link && linkUrl(m.link, where);
      return [url && m.link ? `${m.text}\n${t('ui:outcome.link', { title: m.link.title, url })}` : m.text];
    }
    case 'understood':
      return [m.text];
    case 'question':
      return [questionText(m.question, t)];
    case 'outcome':
      return outcomeParts(m, t, where);
  }
}

/** A whole message as one plain text (the terminal, a card's fallback). */
export function plainText(m: Message, t: Translate, where: LinkBase): string {
  return plainParts(m, t, where).join('\n\n');
}
