import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Knowledge } from '../knowledge/model.js';
import { LANGUAGES } from '../knowledge/schema.js';
import { type Example, OUT_OF_SCOPE } from './classifier.js';

/** The tuning corpus (never the held-out one): messages and the answers each must yield. */
export const TUNING_FILE = 'tests/corpus/tuning.json';

interface TuningEntry {
  text?: unknown;
  pending?: unknown;
  expect?: { answers?: Record<string, unknown>; outOfScope?: unknown };
}

/**
 * What the classifier of one question learns from: every synonym of its options, their labels in both
 * languages, the phrases and concept combinations that give an option, and the tuning corpus's messages
 * (the messages that answer nothing teach "none of them"). A missing tuning file leaves the data alone.
 */
export function trainingExamples(k: Knowledge, fact: string, root: string): Example[] {
  const q = k.questions.get(fact);
  if (!q) return [];
  const out: Example[] = [];
  for (const o of q.options) {
    if (o.reask) continue;
    for (const s of o.synonyms) out.push({ text: s, label: o.value });
    for (const lng of LANGUAGES) {
      const labels = k.locales[lng].questions[fact];
      const label = typeof labels === 'object' && typeof labels.options === 'object' ? labels.options[o.value] : undefined;
      if (typeof label === 'string') out.push({ text: label, label: o.value });
    }
  }
  for (const p of k.phrases) if (p.answers[fact]) for (const s of p.patterns) out.push({ text: s, label: p.answers[fact] ?? null });
  for (const combo of k.concepts.combinations) {
    const value = combo.outOfScope ? OUT_OF_SCOPE : combo.answers?.[fact];
    if (!value) continue;
    const lists = combo.all.map((c) => k.concepts.concepts[c] ?? []);
    // A few words of each concept together, not every product of them.
    for (let i = 0; i < 4; i++) out.push({ text: lists.map((l) => l[i % l.length]).join(' '), label: value });
  }
  const file = join(root, TUNING_FILE);
  if (existsSync(file)) {
    const entries = JSON.parse(readFileSync(file, 'utf8')) as TuningEntry[];
    for (const e of entries) {
      // Openings only: an answer to a question asked ("2", "是") says nothing of the words of an option.
      if (typeof e.text !== 'string' || e.pending !== undefined) continue;
      const value = e.expect?.answers?.[fact];
      const others = Object.keys(e.expect?.answers ?? {}).length;
      if (typeof value === 'string') out.push({ text: e.text, label: value });
      else if (e.expect?.outOfScope === true) out.push({ text: e.text, label: OUT_OF_SCOPE });
      else if (others === 0) out.push({ text: e.text, label: null });
    }
  }
  return out;
}
