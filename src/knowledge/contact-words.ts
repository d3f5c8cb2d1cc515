import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { type KnowledgeProblem, zodProblems } from './errors.js';

/** dialogs/contact.json: the words that leave a contact detail out, and those that confirm a code. */
export const ContactWords = z.strictObject({
  skip: z.array(z.string().min(1)).min(1),
  confirm: z.array(z.string().min(1)).min(1),
});
export type ContactWords = z.infer<typeof ContactWords>;

export function loadContactWords(root: string): { words?: ContactWords; problems: KnowledgeProblem[] } {
  const file = 'dialogs/contact.json';
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(root, file), 'utf8'));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file is missing' : `not valid JSON: ${(err as Error).message}`;
    return { problems: [{ file, path: '', message: reason }] };
  }
  const parsed = ContactWords.safeParse(raw);
  if (!parsed.success) return { problems: zodProblems(file, parsed.error) };
  const both = parsed.data.skip.filter((w) => parsed.data.confirm.includes(w));
  if (both.length > 0) return { problems: [{ file, path: '$.confirm', message: `words both skip and confirm: ${both.join(', ')}` }] };
  return { words: parsed.data, problems: [] };
}
