import type { Message } from '../conversation/messages.js';
import type { Translate } from '../i18n.js';
import { adaptiveCard, type AdaptiveCard, type CardAction, type CardElement, heading, textBlock, type ToggleInput } from './adaptive-card.js';
import { type LinkBase, linkUrl } from './links.js';
import type { ProcedureView } from '../conversation/outcome-view.js';

type OutcomeMessage = Extract<Message, { type: 'outcome' }>;

function lines(list: string[], spacing: 'None' | 'Small' = 'None'): CardElement[] {
  return list.map((l) => textBlock(l, { spacing }));
}

function section(title: string, list: string[]): CardElement[] {
  return list.length === 0 ? [] : [heading(title), ...lines(list)];
}

/** Toggle ids only have to be unique in the card; procedure and position make them so even when a document repeats. */
function materialToggle(id: string, title: string): ToggleInput {
  return { type: 'Input.Toggle', id, title, wrap: true, value: 'false', valueOn: 'true', valueOff: 'false', spacing: 'Small' };
}

function materials(p: ProcedureView, index: number, t: Translate, m: OutcomeMessage): CardElement[] {
  if (p.materials.length === 0) return [heading(t('ui:outcome.materials')), textBlock(t('ui:outcome.materialsNone'))];
  const plan = m.outcome.procedures[index];
  return [
    heading(t('ui:outcome.materialsCount', { count: p.materials.length })),
    ...(m.outcome.procedures.findIndex((x) => x.materials.length > 0) === index ? [textBlock(t('ui:card.checklistHint'), { isSubtle: true, spacing: 'None' })] : []),
    ...p.materials.map((x, i) => materialToggle(`material.${index + 1}.${i + 1}.${plan?.materials[i]?.material ?? ''}`, x.text)),
  ];
}

function times(p: ProcedureView, index: number, t: Translate, m: OutcomeMessage): CardElement[] {
  // The case's expected dates already give the stages of the procedure it tracks, with their dates.
  if (m.case && m.case.expected.length > 0 && m.case.tracked === p.id) return [];
  const courier = m.outcome.procedures[index]?.courierToAuthority ? [textBlock(t('ui:outcome.courierToAuthority'), { isSubtle: true, spacing: 'None' })] : [];
  return p.times.length === 0 ? [heading(t('ui:outcome.times')), textBlock(t('ui:outcome.noTimes'))] : [heading(t('ui:outcome.times')), ...lines(p.times), ...courier];
}

function steps(p: ProcedureView, t: Translate, several: boolean): CardElement[] {
  return [
    heading(several ? `${t('ui:outcome.steps')}: ${p.heading}` : t('ui:outcome.steps')),
    textBlock(t('ui:outcome.applies', { text: p.applies }), { isSubtle: true, spacing: 'None' }),
    ...p.steps.flatMap((s) => [textBlock(s.text, { spacing: 'Small' }), ...(s.onFail ? [textBlock(s.onFail, { isSubtle: true, spacing: 'None' })] : [])]),
  ];
}

/**
 * The outcome as one Adaptive Card 1.5 that fits a chat pane. Its first screen: which procedure and why
 * (each deciding answer with a change button), the next thing to do, the materials to tick, the times,
 * the case reference and the buttons for the checklist, the flowchart and the status. The steps and the
 * notes and contacts open on demand. Every fact appears once.
 */
export function outcomeCard(m: OutcomeMessage, t: Translate, where: LinkBase, fallbackText: string): AdaptiveCard {
  const v = m.view;
  const several = v.procedures.length > 1;
  const title = v.procedures.length ? v.procedures.map((p) => p.heading).join(' + ') : v.title;
  const body: CardElement[] = [textBlock(title, { size: 'Large', weight: 'Bolder' }), textBlock(v.summary, { spacing: 'Small' })];

  if (v.why.length) {
    body.push(heading(t('ui:outcome.why')));
    for (const w of v.why) {
      if (!w.question) {
        body.push(textBlock(w.text, { spacing: 'Small' }));
        continue;
      }
      body.push({
        type: 'ColumnSet',
        spacing: 'Small',
        columns: [
          { type: 'Column', width: 'stretch', verticalContentAlignment: 'Center', items: [textBlock(w.text)] },
          {
            type: 'Column',
            width: 'auto',
            items: [
              { type: 'ActionSet', actions: [{ type: 'Action.Submit', title: t('ui:card.change', { label: t(`questions:${w.question}.label`) }), data: { change: w.question } }] },
            ],
          },
        ],
      });
    }
  }
  if (v.notYet) body.push(textBlock(v.notYet, { spacing: 'Medium' }));
  if (v.guide) body.push(heading(v.guide.title), ...lines(v.guide.steps, 'Small'));
  if (v.passwords.length) body.push(...section(t('ui:outcome.passwords'), v.passwords), textBlock(t('ui:outcome.passwordsNotPin'), { isSubtle: true }));
  if (v.next) body.push(heading(t('ui:outcome.next')), textBlock(v.next, { spacing: 'Small' }));

  v.procedures.forEach((p, i) => {
    const items = [...(several ? [textBlock(p.heading, { weight: 'Bolder', spacing: 'Medium' })] : []), ...materials(p, i, t, m), ...times(p, i, t, m)];
    body.push({ type: 'Container', spacing: 'Medium', items });
  });
  if (v.separate) body.push(textBlock(t('ui:outcome.materialsSeparate'), { weight: 'Bolder', spacing: 'Medium' }));
  if (m.case) body.push({ type: 'Container', spacing: 'Medium', style: 'emphasis', items: [textBlock(m.case.referenceText), ...lines(m.case.expected)] });

  const links: CardAction[] = [];
  const checklist = m.case?.checklist ? linkUrl(m.case.checklist, where) : undefined;
  if (checklist) links.push({ type: 'Action.OpenUrl', title: t('ui:card.checklist'), url: checklist });
  for (const p of v.procedures) {
    const url = linkUrl(p.flowchart, where);
    if (url) links.push({ type: 'Action.OpenUrl', title: several ? t('ui:card.openFlowchart', { title: p.flowchart.title }) : t('ui:card.flowchart'), url });
  }
  if (m.case) links.push({ type: 'Action.Submit', title: t('ui:card.status'), data: { command: 'status' } });
  if (links.length) body.push({ type: 'ActionSet', spacing: 'Medium', actions: links });

  const more = [
    ...v.procedures.flatMap((p) => [
      ...section(several ? `${t('ui:outcome.notes')}: ${p.heading}` : t('ui:outcome.notes'), p.notes),
      ...section(t('ui:outcome.passwords'), p.passwords),
      ...(p.passwords.length ? [textBlock(t('ui:outcome.passwordsNotPin'), { isSubtle: true })] : []),
      ...section(t('ui:outcome.contacts'), p.contacts),
      ...section(t('ui:outcome.related'), p.related),
    ]),
    ...section(t('ui:outcome.contacts'), v.contacts),
    ...(m.case ? [textBlock(m.case.offer, { spacing: 'Medium' })] : []),
  ];
  // One set each, so that opening the notes leaves the steps open (the shown cards of one set take turns).
  const shown = (title: string, items: CardElement[]): CardElement => ({
    type: 'ActionSet',
    spacing: 'Small',
    actions: [{ type: 'Action.ShowCard', title, card: adaptiveCard(items) }],
  });
  if (v.procedures.some((p) => p.steps.length > 0))
    body.push(
      shown(
        t('ui:card.showSteps'),
        v.procedures.flatMap((p) => steps(p, t, several)),
      ),
    );
  if (more.length) body.push(shown(t('ui:card.showMore'), more));
  return adaptiveCard(body, { fallbackText, speak: v.summary });
}
