import type { Path } from '../consult/enumerate.js';
import type { Translate } from '../i18n.js';
import type { Knowledge } from '../knowledge/model.js';
import { box, cellLabel, sizedLabel } from './dot.js';

/**
 * The decision flow of dialogs/ and rules/ as DOT, for whoever maintains the content: each question,
 * each answer as an arrow to the next question (as the rules ask it after that answer) or to the outcome
 * rule it ends in. Built from every path of the consultation, so it shows what the rules do, not what
 * anyone meant them to do.
 */
export function decisionDot(k: Knowledge, paths: Path[], t: Translate, maxEm = 14): string {
  const questions = new Set<string>();
  const outcomes = new Set<string>();
  const edges = new Map<string, { from: string; to: string; labels: Set<string> }>();
  const qNode = (id: string) => `q_${id}`;
  const oNode = (rule: string) => `o_${rule.replace(/[^a-zA-Z0-9]/g, '_')}`;
  for (const p of paths) {
    p.asked.forEach((q, i) => {
      questions.add(q);
      const next = p.asked[i + 1];
      const to = next ? qNode(next) : oNode(p.outcome.rule);
      const key = `${qNode(q)}->${to}`;
      const edge = edges.get(key) ?? { from: qNode(q), to, labels: new Set<string>() };
      edge.labels.add(t(`questions:${q}.options.${p.answers[q] as string}`));
      edges.set(key, edge);
    });
    outcomes.add(p.outcome.rule);
  }
  const lines = [
    'digraph decisions {',
    'graph [rankdir=LR, nodesep=0.25, ranksep=0.9, pad=0.3, bgcolor="white"];',
    'node [fontname="sans-serif", fontsize=14, fontcolor="#111111", penwidth=1.5];',
    'edge [fontname="sans-serif", fontsize=12, color="#444444", arrowsize=0.7];',
  ];
  for (const q of [...questions].sort((a, b) => (k.questions.get(a)?.order ?? 0) - (k.questions.get(b)?.order ?? 0))) {
    const b = box(`${t(`questions:${q}.label`)}\n(${q})`, maxEm);
    lines.push(`${qNode(q)} [shape=box, style="rounded,filled", fillcolor="#D6E6F8", color="#1F4E8C", ${sizedLabel(b)}];`);
  }
  for (const rule of [...outcomes].sort()) {
    const b = box(`${rule}\n${t(`outcomes:${rule}`)}`, maxEm + 4, 14, 8);
    lines.push(`${oNode(rule)} [shape=note, style=filled, fillcolor="#CFEBD3", color="#1E5E22", ${sizedLabel(b)}];`);
  }
  for (const e of edges.values()) lines.push(`${e.from} -> ${e.to} [label=${cellLabel(box([...e.labels].join('\n'), 12, 12, 2), { fontSize: 12 })}];`);
  lines.push('}');
  return lines.join('\n');
}
