import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { InsightSink } from '../conversation/feedback.js';
import type { Language } from '../knowledge/schema.js';
import { writeFileAtomic } from '../storage/atomic-file.js';
import type { Scrubber } from './scrub.js';

const Stored = z.object({
  version: z.literal(1),
  notUnderstood: z.array(z.object({ text: z.string(), question: z.string().optional(), lang: z.string(), at: z.string() })),
  feedback: z.record(z.string(), z.object({ helpful: z.number().int().min(0), notHelpful: z.number().int().min(0) })),
});
export type Insights = z.infer<typeof Stored>;

/** What the service keeps of insights, in the file here or in PostgreSQL (pg-store.ts). */
export interface InsightsKeeper extends InsightSink {
  snapshot(): Insights | Promise<Insights>;
  /** Drops messages not understood older than `days`; how many. */
  expire(days: number): Promise<number>;
  /** Everything told so far is stored once this resolves. */
  flush(): Promise<void>;
}

/** The places a piece of feedback counts for: its procedures, or its rule when it named none. */
export const feedbackKeys = (e: { procedures: string[]; rule: string }): string[] => (e.procedures.length ? e.procedures : [`rule:${e.rule}`]);

export interface InsightsOptions {
  /** Takes out of a message not understood whatever could identify someone. */
  scrubber: Scrubber;
  limit?: number;
  delayMs?: number;
  now?: () => Date;
}

/**
 * What content owners need to improve the synonyms and texts: the latest messages not understood
 * (scrubbed of personal data) and "was this helpful?" per procedure. Kept in EKEY_DATA_DIR/insights.json,
 * written a moment after a change rather than on every turn: losing a few seconds of it costs nothing.
 * A file that does not read (empty, cut short, damaged) is kept aside as insights.json.<time>.damaged and
 * the service starts with none: statistics are not worth a service that does not start.
 */
export class InsightsStore implements InsightsKeeper {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** Where a damaged file found at opening was moved, and why it did not read. */
  keptAside?: { path: string; reason: string };

  private constructor(
    private readonly file: string,
    private data: Insights,
    private readonly options: Required<InsightsOptions>,
  ) {}

  static async open(dataDir: string, options: InsightsOptions): Promise<InsightsStore> {
    const o = { limit: 1_000, delayMs: 1_000, now: () => new Date(), ...options };
    const file = join(dataDir, 'insights.json');
    let data: Insights = { version: 1, notUnderstood: [], feedback: {} };
    let raw: string | undefined;
    try {
      raw = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    let reason: string | undefined;
    if (raw !== undefined) {
      try {
        const parsed = Stored.safeParse(JSON.parse(raw));
        if (parsed.success) data = parsed.data;
        else reason = parsed.error.issues[0]?.message ?? 'invalid';
      } catch (err) {
        reason = `not valid JSON (${(err as Error).message})`;
      }
    }
    const store = new InsightsStore(file, data, o);
    if (reason) {
      const path = `${file}.${o.now().toISOString().replace(/[:.]/g, '-')}.damaged`;
      await rename(file, path);
      store.keptAside = { path, reason };
    }
    return store;
  }

  /** Drops messages not understood older than `days`; writes the file only when that removed any. */
  async expire(days: number): Promise<number> {
    const cutoff = this.options.now().getTime() - days * 86_400_000;
    const before = this.data.notUnderstood.length;
    this.data.notUnderstood = this.data.notUnderstood.filter((e) => Date.parse(e.at) >= cutoff);
    const removed = before - this.data.notUnderstood.length;
    if (removed > 0) await this.flush();
    return removed;
  }

  feedback(e: { procedures: string[]; rule: string; helpful: boolean }): void {
    for (const key of feedbackKeys(e)) {
      const entry = (this.data.feedback[key] ??= { helpful: 0, notHelpful: 0 });
      if (e.helpful) entry.helpful += 1;
      else entry.notHelpful += 1;
    }
    this.schedule();
  }

  notUnderstood(e: { text: string; question?: string; lang: Language }): void {
    const text = this.options.scrubber.scrub(e.text);
    if (!text) return;
    this.data.notUnderstood.push({ text, ...(e.question ? { question: e.question } : {}), lang: e.lang, at: this.options.now().toISOString() });
    if (this.data.notUnderstood.length > this.options.limit) this.data.notUnderstood.splice(0, this.data.notUnderstood.length - this.options.limit);
    this.schedule();
  }

  snapshot(): Insights {
    return structuredClone(this.data);
  }

  private schedule(): void {
    if (this.timer) return;
    // A write that fails (a full disk) must not take the service down as an unhandled rejection: the
    // data stays in memory and the next change, or the flush at shutdown, writes it.
    this.timer = setTimeout(() => void this.flush().catch(() => undefined), this.options.delayMs);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const content = JSON.stringify(this.data);
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        await writeFileAtomic(this.file, content);
      });
    await this.writing;
  }
}
