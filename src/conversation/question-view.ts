import type { Question } from '../knowledge/schema.js';
import type { Translate } from '../i18n.js';

export interface QuestionView {
  id: string;
  prompt: string;
  help: string;
  options: { index: number; value: string; label: string }[];
}

export function questionView(q: Question, t: Translate): QuestionView {
  return {
    id: q.id,
    prompt: t(`questions:${q.id}.prompt`),
    help: t(`questions:${q.id}.help`),
    options: q.options.map((o, i) => ({ index: i + 1, value: o.value, label: t(`questions:${q.id}.options.${o.value}`) })),
  };
}
