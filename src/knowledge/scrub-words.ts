import { z } from 'zod';
import type { KnowledgeProblem } from './errors.js';
import { readKnowledgeFile } from './read-file.js';

const Words = z.array(z.string().min(1)).min(1);

/**
 * dialogs/personal-data.json: what announces a person's or a company's name in a message ("我姓", "联系人",
 * "我们是", "my name is"), honorifics that follow a surname, and legal suffixes that end a company name.
 */
export const ScrubWords = z.strictObject({
  nameCues: Words,
  honorifics: Words,
  companyCues: Words,
  companySuffixes: Words,
  englishNameCues: Words,
  englishCompanyCues: Words,
  englishCompanySuffixes: Words,
});
export type ScrubWords = z.infer<typeof ScrubWords>;

export const SCRUB_WORDS_FILE = 'dialogs/personal-data.json';

export function loadScrubWords(root: string): { words?: ScrubWords; problems: KnowledgeProblem[] } {
  const { data, problems } = readKnowledgeFile(root, SCRUB_WORDS_FILE, ScrubWords);
  return data ? { words: data, problems } : { problems };
}
