import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../storage/atomic-file.js';
import { CaseStoreError } from './errors.js';

/**
 * cases/index.json: the segment files the store has written, with how many cases each held then, and
 * that a journal exists. Without it, a deleted segment or journal would simply not be read, and its
 * cases would be gone without a word; with it, start-up refuses the store and names the file.
 */
export const StoreIndex = z.strictObject({
  format: z.literal(1),
  segments: z.record(z.string().regex(/^\d{4}-\d{2}\/\d{4}$/), z.number().int().min(0)),
  journal: z.boolean(),
});
export type StoreIndex = z.infer<typeof StoreIndex>;

export class IndexFile {
  constructor(readonly path: string) {}

  /** The index, or undefined when there is none yet (a new store, or one of an earlier version). */
  async read(): Promise<StoreIndex | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new CaseStoreError(this.path, `not valid JSON (${(err as Error).message})`);
    }
    const parsed = StoreIndex.safeParse(raw);
    if (!parsed.success) throw new CaseStoreError(this.path, `does not match the index schema: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  }

  async write(index: StoreIndex): Promise<void> {
    await writeFileAtomic(this.path, JSON.stringify(index));
  }
}
