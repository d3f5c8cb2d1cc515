import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { type KnowledgeProblem, zodProblems } from './errors.js';

/** One knowledge file read and checked against its schema: the data, or the problems naming the file. */
export function readKnowledgeFile<T>(root: string, file: string, schema: z.ZodType<T>): { data?: T; problems: KnowledgeProblem[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(root, file), 'utf8'));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file is missing' : `not valid JSON: ${(err as Error).message}`;
    return { problems: [{ file, path: '', message: reason }] };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { problems: zodProblems(file, parsed.error) };
  return { data: parsed.data, problems: [] };
}
