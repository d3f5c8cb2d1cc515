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
export type Entry = z.infer<typeof Stored>[string];

/** What the case desk asks of the digit check's counters (the file here, PostgreSQL in pg-digit-guard.ts). */
export interface DigitChecks {
  locked(reference: string): Promise<boolean>;
  /** Counts a wrong answer; says whether the reference is locked now. */
  fail(reference: string, channel: string): Promise<boolean>;
}

export interface GuardLimits {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

export const guardLimits = (options: DigitGuardOptions): GuardLimits => ({
  maxFailures: options.maxFailures ?? 5,
  windowMs: options.windowMs ?? 3_600_000,
  lockMs: options.lockMs ?? 3_600_000,
});

/** One more wrong answer at `t`: the failures still in the window, and a lock once there are enough. */
export function countFailure(before: Entry | undefined, t: number, limits: GuardLimits): { entry: Entry; lockNow: boolean } {
  const failures = [...(before?.failures ?? []).filter((at) => t - at < limits.windowMs), t];
  const lockNow = failures.length >= limits.maxFailures;
  if (lockNow) return { entry: { failures: [], lockedUntil: t + limits.lockMs }, lockNow };
  return { entry: { failures, ...(before?.lockedUntil !== undefined ? { lockedUntil: before.lockedUntil } : {}) }, lockNow };
}

/** Told once per wrong answer, and once more when it locks the reference. */
export function tellFailure(options: DigitGuardOptions, reference: string, channel: string, counted: { entry: Entry; lockNow: boolean }, maxFailures: number): void {
  const { entry, lockNow } = counted;
  options.onEvent?.('failed', { reference, channel, failures: lockNow ? maxFailures : entry.failures.length });
  if (lockNow) options.onEvent?.('locked', { reference, channel, failures: maxFailures, lockedUntil: new Date(entry.lockedUntil as number).toISOString() });
}

/**
 * Wrong answers to "the last four digits of the mobile", counted per case reference whatever the
 * conversation or channel: a new conversation is free, so a per-conversation limit alone lets the ten
 * thousand combinations be tried in minutes. Kept in EKEY_DATA_DIR/digit-checks.json (written at each
 * failure, which is rare), so that a restart does not clear a lockout.
 */
export class DigitGuard implements DigitChecks {
  private readonly limits: GuardLimits;
  private readonly now: () => number;
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string | undefined,
    private readonly entries: Map<string, Entry>,
    private readonly options: DigitGuardOptions,
  ) {
    this.limits = guardLimits(options);
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

  async locked(reference: string): Promise<boolean> {
    const e = this.entries.get(reference);
    return !!e?.lockedUntil && e.lockedUntil > this.now();
  }

  /** Counts a wrong answer; says whether the reference is locked now. */
  async fail(reference: string, channel: string): Promise<boolean> {
    const t = this.now();
    const counted = countFailure(this.entries.get(reference), t, this.limits);
    this.entries.set(reference, counted.entry);
    this.prune(t);
    tellFailure(this.options, reference, channel, counted, this.limits.maxFailures);
    await this.save();
    return counted.lockNow;
  }

  private prune(t: number): void {
    for (const [ref, e] of this.entries) {
      const recent = e.failures.some((at) => t - at < this.limits.windowMs);
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
