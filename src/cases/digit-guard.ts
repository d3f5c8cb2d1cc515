import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../storage/atomic-file.js';

export interface DigitGuardOptions {
  /** Wrong answers allowed per reference within the window... */
  maxFailures?: number;
  windowMs?: number;
  /** ...after which the reference is locked this long, in every conversation and channel. */
  lockMs?: number;
  now?: () => number;
  /** Told of every failure and lockout: the reference and the channel, never the digits. */
  onEvent?: (event: 'failed' | 'locked', fields: { reference: string; channel: string; failures: number; lockedUntil?: string }) => void;
}

const Stored = z.record(z.string(), z.object({ failures: z.array(z.number()), lockedUntil: z.number().optional() }));
type Entry = z.infer<typeof Stored>[string];

/**
 * Wrong answers to "the last four digits of the mobile", counted per case reference whatever the
 * conversation or channel: a new conversation is free, so a per-conversation limit alone lets the ten
 * thousand combinations be tried in minutes. Kept in EKEY_DATA_DIR/digit-checks.json (written at each
 * failure, which is rare), so that a restart does not clear a lockout.
 */
export class DigitGuard {
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly lockMs: number;
  private readonly now: () => number;
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string | undefined,
    private readonly entries: Map<string, Entry>,
    private readonly options: DigitGuardOptions,
  ) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 3_600_000;
    this.lockMs = options.lockMs ?? 3_600_000;
    this.now = options.now ?? Date.now;
  }

  /** In memory only: for tools and tests without a data folder. */
  static inMemory(options: DigitGuardOptions = {}): DigitGuard {
    return new DigitGuard(undefined, new Map(), options);
  }

  /** A file that does not read is started again: it holds counters, and losing them unlocks early at worst. */
  static open(dataDir: string, options: DigitGuardOptions = {}): DigitGuard {
    const file = join(dataDir, 'digit-checks.json');
    let entries = new Map<string, Entry>();
    try {
      const parsed = Stored.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (parsed.success) entries = new Map(Object.entries(parsed.data));
    } catch {
      // Missing or unreadable: no counters.
    }
    return new DigitGuard(file, entries, options);
  }

  locked(reference: string): boolean {
    const e = this.entries.get(reference);
    return !!e?.lockedUntil && e.lockedUntil > this.now();
  }

  /** Counts a wrong answer; says whether the reference is locked now. */
  async fail(reference: string, channel: string): Promise<boolean> {
    const t = this.now();
    const e = this.entries.get(reference) ?? { failures: [] };
    e.failures = [...e.failures.filter((at) => t - at < this.windowMs), t];
    const lockNow = e.failures.length >= this.maxFailures;
    if (lockNow) {
      e.lockedUntil = t + this.lockMs;
      e.failures = [];
    }
    this.entries.set(reference, e);
    this.prune(t);
    this.options.onEvent?.('failed', { reference, channel, failures: lockNow ? this.maxFailures : e.failures.length });
    if (lockNow) this.options.onEvent?.('locked', { reference, channel, failures: this.maxFailures, lockedUntil: new Date(e.lockedUntil as number).toISOString() });
    await this.save();
    return lockNow;
  }

  private prune(t: number): void {
    for (const [ref, e] of this.entries) {
      const recent = e.failures.some((at) => t - at < this.windowMs);
      if (!recent && !(e.lockedUntil && e.lockedUntil > t)) this.entries.delete(ref);
    }
  }

  private save(): Promise<unknown> {
    const file = this.file;
    if (!file) return Promise.resolve();
    const content = JSON.stringify(Object.fromEntries(this.entries));
    this.writing = this.writing.catch(() => undefined).then(() => writeFileAtomic(file, content));
    return this.writing;
  }
}
