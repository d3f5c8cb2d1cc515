import type { Outcome } from '../consult/outcome.js';
import type { Translate } from '../i18n.js';
import { adaptiveCard, type AdaptiveCard, type CardElement, heading, textBlock, type ToggleInput } from './adaptive-card.js';
import { toPlainText } from './outcome-markdown.js';
import { outcomeView, type PageLinks, type ProcedureView } from './outcome-view.js';

function bullets(lines: string[]): CardElement[] {
  return lines.map((l) => textBlock(`- ${l}`, { spacing: 'None' }));
}

function section(title: string, lines: string[]): CardElement[] {
  return lines.length === 0 ? [] : [heading(title), ...bullets(lines)];
}

/** Toggle ids only have to be unique in the card; procedure and position make them so even when a document repeats. */
function materialToggle(id: string, title: string): ToggleInput {
  return { type: 'Input.Toggle', id, title, wrap: true, value: 'false', valueOn: 'true', valueOff: 'false', spacing: 'Small' };
}

function procedureItems(p: ProcedureView, plan: Outcome['procedures'][number], index: number, t: Translate): CardElement[] {
  const steps = p.steps.flatMap((s) => [textBlock(s.text, { spacing: 'Small' }), ...(s.onFail ? [textBlock(s.onFail, { isSubtle: true, spacing: 'None' })] : [])]);
  const materials: CardElement[] =
    p.materials.length === 0
      ? [heading(t('ui:outcome.materials')), textBlock(t('ui:outcome.materialsNone'))]
      : [
          heading(t('ui:outcome.materials')),
          textBlock(t('ui:card.checklistHint'), { isSubtle: true, spacing: 'None' }),
          ...p.materials.map((m, i) => materialToggle(`material.${index + 1}.${i + 1}.${plan.materials[i]?.material ?? ''}`, m.text)),
        ];
  const times: CardElement[] =
    p.times.length === 0
      ? [heading(t('ui:outcome.times')), textBlock(t('ui:outcome.noTimes'))]
      : [heading(t('ui:outcome.times')), ...bullets(p.times), ...(plan.courierToAuthority ? [textBlock(t('ui:outcome.courierToAuthority'), { isSubtle: true })] : [])];
  return [
    textBlock(p.heading, { size: 'Large', weight: 'Bolder', style: 'heading' }),
    textBlock(t('ui:outcome.applies', { text: p.applies })),
    heading(t('ui:outcome.steps')),
    ...steps,
    ...materials,
    ...times,
    ...section(t('ui:outcome.notes'), p.notes),
    ...section(t('ui:outcome.passwords'), p.passwords),
    ...(p.passwords.length ? [textBlock(t('ui:outcome.passwordsNotPin'), { isSubtle: true })] : []),
    ...section(t('ui:outcome.contacts'), p.contacts),
    ...section(t('ui:outcome.related'), p.related),
    // Card actions need absolute addresses: the flowchart button comes only with a public base URL.
    ...(p.flowchart && /^https?:\/\//.test(p.flowchart.url)
      ? [{ type: 'ActionSet', actions: [{ type: 'Action.OpenUrl', title: t('ui:card.flowchart'), url: p.flowchart.url }] } satisfies CardElement]
      : []),
  ];
}

/**
 * The outcome as an Adaptive Card 1.5: the same sections as the Markdown text, with the materials as a
 * checklist the enterprise can tick while preparing them.
 */
export function outcomeCard(o: Outcome, markdown: string, t: Translate, links?: PageLinks): AdaptiveCard {
  const v = outcomeView(o, t, links);
  const body: CardElement[] = [textBlock(v.title, { size: 'ExtraLarge', weight: 'Bolder', style: 'heading' }), textBlock(v.summary), ...section(t('ui:outcome.why'), v.why)];
  if (v.notYet) body.push(textBlock(v.notYet, { spacing: 'Medium' }));
  if (v.guide) body.push(heading(v.guide.title), ...v.guide.steps.map((s) => textBlock(s, { spacing: 'Small' })));
  if (v.passwords.length) body.push(...section(t('ui:outcome.passwords'), v.passwords), textBlock(t('ui:outcome.passwordsNotPin'), { isSubtle: true }));
  v.procedures.forEach((p, i) => {
    const plan = o.procedures[i];
    if (plan) body.push({ type: 'Container', separator: true, spacing: 'Large', items: procedureItems(p, plan, i, t) });
  });
  if (v.separate) body.push(textBlock(t('ui:outcome.materialsSeparate'), { weight: 'Bolder', spacing: 'Medium' }));
  body.push(...section(t('ui:outcome.contacts'), v.contacts));
  return adaptiveCard(body, { fallbackText: toPlainText(markdown), speak: v.summary });
}
