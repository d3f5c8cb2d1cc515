import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { InsightSink } from '../conversation/feedback.js';
import type { Language } from '../knowledge/schema.js';
import { writeFileAtomic } from '../storage/atomic-file.js';
import { scrub } from './scrub.js';

const Stored = z.object({
  version: z.literal(1),
  notUnderstood: z.array(z.object({ text: z.string(), question: z.string().optional(), lang: z.string(), at: z.string() })),
  feedback: z.record(z.string(), z.object({ helpful: z.number().int().min(0), notHelpful: z.number().int().min(0) })),
});
export type Insights = z.infer<typeof Stored>;

export class InsightsFileError extends Error {}

/**
 * What content owners need to improve the synonyms and texts: the latest messages not understood
 * (scrubbed of personal data) and "was this helpful?" per procedure. Kept in EKEY_DATA_DIR/insights.json,
 * written a moment after a change rather than on every turn: losing a few seconds of it costs nothing.
 */
export class InsightsStore implements InsightSink {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly file: string, private readonly data: Insights, private readonly limit: number, private readonly delayMs: number) {}

  static async open(dataDir: string, options: { limit?: number; delayMs?: number } = {}): Promise<InsightsStore> {
    const file = join(dataDir, 'insights.json');
    let data: Insights = { version: 1, notUnderstood: [], feedback: {} };
    let raw: string | undefined;
    try {
      raw = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (raw !== undefined) {
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        throw new InsightsFileError(`${file}: not valid JSON; it is left as it is`);
      }
      const parsed = Stored.safeParse(json);
      if (!parsed.success) throw new InsightsFileError(`${file}: ${parsed.error.issues[0]?.message ?? 'invalid'}; it is left as it is`);
      data = parsed.data;
    }
    return new InsightsStore(file, data, options.limit ?? 1_000, options.delayMs ?? 1_000);
  }

  feedback(e: { procedures: string[]; rule: string; helpful: boolean }): void {
    for (const key of e.procedures.length ? e.procedures : [`rule:${e.rule}`]) {
      const entry = (this.data.feedback[key] ??= { helpful: 0, notHelpful: 0 });
      if (e.helpful) entry.helpful += 1;
      else entry.notHelpful += 1;
    }
    this.schedule();
  }

  notUnderstood(e: { text: string; question?: string; lang: Language }): void {
    const text = scrub(e.text);
    if (!text) return;
    this.data.notUnderstood.push({ text, ...(e.question ? { question: e.question } : {}), lang: e.lang, at: new Date().toISOString() });
    if (this.data.notUnderstood.length > this.limit) this.data.notUnderstood.splice(0, this.data.notUnderstood.length - this.limit);
    this.schedule();
  }

  snapshot(): Insights {
    return structuredClone(this.data);
  }

  private schedule(): void {
    if (this.timer) return;
    // A write that fails (a full disk) must not take the service down as an unhandled rejection: the
    // data stays in memory and the next change, or the flush at shutdown, writes it.
    this.timer = setTimeout(() => void this.flush().catch(() => undefined), this.delayMs);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const content = JSON.stringify(this.data);
    this.writing = this.writing.catch(() => undefined).then(async () => {
      await writeFileAtomic(this.file, content);
    });
    await this.writing;
  }
}
