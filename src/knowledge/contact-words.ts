import { z } from 'zod';
import type { KnowledgeProblem } from './errors.js';
import { readKnowledgeFile } from './read-file.js';

/** dialogs/contact.json: the words that leave a contact detail out, and those that confirm a code. */
export const ContactWords = z.strictObject({
  skip: z.array(z.string().min(1)).min(1),
  confirm: z.array(z.string().min(1)).min(1),
});
export type ContactWords = z.infer<typeof ContactWords>;

export function loadContactWords(root: string): { words?: ContactWords; problems: KnowledgeProblem[] } {
  const file = 'dialogs/contact.json';
  const { data, problems } = readKnowledgeFile(root, file, ContactWords);
  if (!data) return { problems };
  const both = data.skip.filter((w) => data.confirm.includes(w));
  if (both.length > 0) return { problems: [{ file, path: '$.confirm', message: `words both skip and confirm: ${both.join(', ')}` }] };
  return { words: data, problems: [] };
}
