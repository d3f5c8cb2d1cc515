import type { Translate } from '../i18n.js';
import type { Procedure } from '../knowledge/schema.js';

export interface ChartStep {
  /** "1. …", numbered as the chart numbers its boxes. */
  text: string;
  actor: string;
  /** What the chart draws around the step: its stage and time, the boxes beside it, the way back after a failed check, the courier leg. */
  details: string[];
}

export interface ChartText {
  title: string;
  steps: ChartStep[];
}

/**
 * A procedure's flowchart in words, for those who cannot see the picture: each box in order with its
 * lane (who does it), and each thing the chart draws around it, in the chart's own labels.
 */
export function chartText(p: Procedure, t: Translate): ChartText {
  const ns = `procedures:${p.id}`;
  const index = new Map(p.steps.map((s, i) => [s.id, i]));
  const lastStaged = p.courierToAuthority ? p.steps.reduce((last, s, i) => (s.stage ? i : last), -1) : -1;
  const steps = p.steps.map((s, i): ChartStep => {
    const stage = s.stage ? p.stages.find((x) => x.id === s.stage) : undefined;
    const details = [
      ...(stage ? [t('ui:outcome.stage', { label: t(`${ns}.stages.${stage.id}`), days: t('common:workingDays', { count: stage.workingDays }) })] : []),
      ...(s.asides ?? []).map((a) => t(`${ns}.asides.${a}`)),
      ...(s.onFail ? [`${t('ui:flowchart.passed')} ${t('ui:flowchart.failed', { index: (index.get(s.onFail) ?? 0) + 1 })}`] : []),
      ...(i === lastStaged ? [t('ui:flowchart.courier')] : []),
    ];
    return { text: t('ui:flowchart.step', { index: i + 1, text: t(`${ns}.steps.${s.id}`) }), actor: t(`common:actor.${s.actor}`), details };
  });
  return { title: t('ui:flowchart.title', { title: t(`${ns}.title`), section: p.section }), steps };
}
