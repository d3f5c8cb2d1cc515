import type { Translate } from '../i18n.js';
import type { Actor, Procedure } from '../knowledge/schema.js';
import { box, cellLabel, quoted, sizedLabel } from './dot.js';

/** One colour family per actor, dark enough on its fill for text and lines to keep a 7:1 contrast. */
export const ACTOR_COLOURS: Record<Actor, { lane: string; node: string; line: string }> = {
  enterprise: { lane: '#EEF4FB', node: '#D6E6F8', line: '#1F4E8C' },
  authority: { lane: '#FDF3E4', node: '#FBE3BF', line: '#7A4700' },
  provider: { lane: '#EAF5EC', node: '#CFEBD3', line: '#1E5E22' },
};
const ACTORS: Actor[] = ['enterprise', 'authority', 'provider'];
const FAIL = '#A3001B';

export interface ChartWidths {
  /** Line width of a step's text, in em. */
  step: number;
  edge: number;
  title: number;
}

export const WIDTHS: Record<'zh-CN' | 'en', ChartWidths> = {
  'zh-CN': { step: 16, edge: 11, title: 36 },
  en: { step: 26, edge: 16, title: 50 },
};

/**
 * A procedure's flowchart as Graphviz DOT, drawn from its own steps: one swimlane (cluster) per actor,
 * the stages with their working days as boxes inside the lanes, each verification followed by its
 * decision with the way back to the step to resubmit, and the courier leg the time limits leave out.
 */
export function procedureDot(p: Procedure, t: Translate, widths: ChartWidths): string {
  const ns = `procedures:${p.id}`;
  const stepNode = (i: number) => `step${i}`;
  const checkNode = (i: number) => `check${i}`;
  const asideNode = (i: number, j: number) => `aside${i}_${j}`;
  const index = new Map(p.steps.map((s, i) => [s.id, i]));
  const edgeBox = (text: string) => cellLabel(box(text, widths.edge, 12, 3), { fontSize: 12 });

  const firstActor = p.steps[0]?.actor ?? 'enterprise';
  const lastActor = p.steps.at(-1)?.actor ?? 'enterprise';
  const terminal = (name: string, text: string, actor: Actor) => {
    const b = box(text, 8, 14, 6);
    return `${name} [shape=oval, style=filled, fillcolor="white", color=${quoted(ACTOR_COLOURS[actor].line)}, penwidth=2, ${sizedLabel({ ...b, width: b.width + 16 })}];`;
  };

  const lanes: string[] = [];
  for (const actor of ACTORS) {
    const here = p.steps.map((s, i) => ({ s, i })).filter(({ s }) => s.actor === actor);
    if (here.length === 0) continue;
    const c = ACTOR_COLOURS[actor];
    const nodes = (list: typeof here) =>
      list.flatMap(({ s, i }) => {
        const label = box(t('ui:flowchart.step', { index: i + 1, text: t(`${ns}.steps.${s.id}`) }), widths.step);
        const out = [`${stepNode(i)} [${sizedLabel(label)}, fillcolor=${quoted(c.node)}, color=${quoted(c.line)}];`];
        (s.asides ?? []).forEach((a, j) => {
          const aside = box(t(`${ns}.asides.${a}`), widths.edge);
          out.push(`${asideNode(i, j)} [${sizedLabel(aside)}, style="rounded,dashed,filled", fillcolor="white", color=${quoted(c.line)}];`);
        });
        if (s.onFail) {
          const q = box(t('ui:flowchart.passed'), 8, 14, 4);
          out.push(
            `${checkNode(i)} [shape=diamond, style=filled, fillcolor="white", color=${quoted(c.line)}, label=${quoted(q.lines.join('\n'))}, width=${((q.width * 1.9) / 72).toFixed(3)}, height=${((q.height * 1.7) / 72).toFixed(3)}, fixedsize=true];`,
          );
        }
        return out;
      });
    // Start and end sit in the lanes of the first and last steps, so that every box belongs to an actor.
    const body: string[] = [
      ...(actor === firstActor ? [terminal('start', t('ui:flowchart.start'), actor)] : []),
      ...(actor === lastActor ? [terminal('end', t('ui:flowchart.end'), actor)] : []),
    ];
    const unstaged = here.filter(({ s }) => !s.stage || !p.stages.some((st) => st.id === s.stage));
    body.push(...nodes(unstaged));
    for (const stage of p.stages) {
      const inStage = here.filter(({ s }) => s.stage === stage.id);
      if (inStage.length === 0) continue;
      const label = t('ui:outcome.stage', { label: t(`${ns}.stages.${stage.id}`), days: t('common:workingDays', { count: stage.workingDays }) });
      body.push(
        `subgraph ${quoted(`cluster_${actor}_${stage.id}`)} {`,
        `label=${cellLabel(box(label, widths.step + 2, 13, 2), { bold: true, fontSize: 13 })}; style="dashed,rounded"; color=${quoted(c.line)}; penwidth=1.5; margin=10;`,
        ...nodes(inStage),
        '}',
      );
    }
    lanes.push(
      `subgraph ${quoted(`cluster_${actor}`)} {`,
      `label=${cellLabel(box(t(`common:actor.${actor}`), widths.step, 16, 4), { bold: true, fontSize: 16 })}; style="filled,rounded"; fillcolor=${quoted(c.lane)}; color=${quoted(c.line)}; penwidth=2; margin=14;`,
      ...body,
      '}',
    );
  }

  const edges: string[] = [];
  // The courier leg follows the last step that belongs to a timed stage.
  const lastStaged = p.courierToAuthority ? p.steps.reduce((last, s, i) => (s.stage ? i : last), -1) : -1;

  edges.push(`start -> ${stepNode(0)};`);
  p.steps.forEach((s, i) => {
    const next = i + 1 < p.steps.length ? stepNode(i + 1) : 'end';
    const labels: string[] = [];
    let from = stepNode(i);
    if (s.onFail) {
      edges.push(`${stepNode(i)} -> ${checkNode(i)};`);
      from = checkNode(i);
      labels.push(t('ui:flowchart.yes'));
      const back = index.get(s.onFail) ?? 0;
      edges.push(
        `${checkNode(i)} -> ${stepNode(back)} [label=${edgeBox(t('ui:flowchart.failed', { index: back + 1 }))}, style=dashed, color=${quoted(FAIL)}, fontcolor=${quoted(FAIL)}, penwidth=1.8, constraint=false];`,
      );
    }
    // The handbook's side boxes: from the step and back to it, dashed, beside the main flow.
    const asides = (s.asides ?? []).map((_, j) => asideNode(i, j));
    if (asides.length > 0) edges.push(`${[stepNode(i), ...asides, stepNode(i)].join(' -> ')} [style=dashed, color=${quoted(ACTOR_COLOURS[s.actor].line)}, constraint=false];`);
    if (i === lastStaged) labels.push(t('ui:flowchart.courier'));
    edges.push(`${from} -> ${next}${labels.length ? ` [label=${edgeBox(labels.join('\n'))}]` : ''};`);
  });

  const title = t('ui:flowchart.title', { title: t(`${ns}.title`), section: p.section });
  return [
    'digraph flowchart {',
    `graph [rankdir=TB, newrank=true, nodesep=0.4, ranksep=0.45, pad=0.3, bgcolor="white", fontname="sans-serif", labelloc=t, label=${cellLabel(box(title, widths.title, 18, 8), { bold: true, fontSize: 18 })}];`,
    'node [shape=box, style="rounded,filled", fontname="sans-serif", fontsize=14, fontcolor="#111111", penwidth=1.5];',
    'edge [fontname="sans-serif", fontsize=12, color="#333333", penwidth=1.4, arrowsize=0.8];',
    ...lanes,
    ...edges,
    '}',
  ].join('\n');
}
