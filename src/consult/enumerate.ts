import type { Answers, Consultation } from './consultation.js';
import type { Outcome } from './outcome.js';

export interface Path {
  answers: Answers;
  asked: string[];
  outcome: Outcome;
}

/**
 * Walks every combination of answers the consultation can be given, depth first, to its outcome: from
 * nothing said, then from each answer that is only ever said (an unprompted question's).
 */
export async function enumeratePaths(c: Consultation, limit = 10_000): Promise<Path[]> {
  const paths: Path[] = [];
  const walk = async (answers: Answers, asked: string[]): Promise<void> => {
    if (paths.length >= limit) throw new Error(`more than ${limit} paths: is a question asked again after being answered?`);
    const step = await c.next(answers);
    if (step.kind === 'outcome') {
      paths.push({ answers, asked, outcome: step.outcome });
      return;
    }
    const q = step.question;
    if (answers[q.id] !== undefined) throw new Error(`question ${q.id} asked again after the answer "${answers[q.id]}"`);
    for (const o of q.options) if (!o.reask) await walk({ ...answers, [q.id]: o.value }, [...asked, q.id]);
  };
  await walk({}, []);
  // An unprompted answer is said, never asked: each one said in the first message, with what it implies.
  for (const q of c.unprompted()) for (const o of q.options) if (!o.reask && o.value !== q.unprompted?.default) await walk({ ...o.implies, [q.id]: o.value }, []);
  return paths;
}
