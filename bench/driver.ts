import { randomUUID } from 'node:crypto';

/** One scripted consultation: what the user types, turn by turn, and the outcome rule it must end in. */
export interface Script {
  turns: string[];
  outcome?: string;
  locale?: string;
}

export interface RunResult {
  turns: number;
  errors: number;
  seconds: number;
  /**
   * Turns a second while every worker had a conversation under way: from the start until the first
   * worker found no script left. The turns after it, as the last conversations finish fewer and fewer at
   * once, measure the length of the longest scripts rather than the server, and more so the slower each
   * turn is.
   */
  throughput: number;
  latenciesMs: number[];
  /** Per conversation, the outcome rule its last turn gave (from channelData), or undefined. */
  outcomes: (string | undefined)[];
}

export interface ReplyActivity {
  type: string;
  text?: string;
  channelData?: { ekey?: { outcome?: string; reference?: string } };
  attachments?: unknown[];
}

/** Posts one message with deliveryMode expectReplies and returns the replies. */
export async function send(base: string, conversationId: string, text: string, locale = 'zh-CN'): Promise<{ status: number; activities: ReplyActivity[] }> {
  const res = await fetch(`${base}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'message',
      id: randomUUID(),
      channelId: 'test',
      serviceUrl: 'http://127.0.0.1:9',
      from: { id: `user-${conversationId}`, role: 'user' },
      recipient: { id: 'bot', role: 'bot' },
      conversation: { id: conversationId },
      locale,
      text,
      deliveryMode: 'expectReplies',
      timestamp: new Date().toISOString(),
    }),
  });
  const body = res.status === 200 ? ((await res.json()) as { activities?: ReplyActivity[] }) : {};
  if (res.status !== 200) await res.body?.cancel();
  return { status: res.status, activities: body.activities ?? [] };
}

/** Runs scripts over HTTP, `concurrency` conversations at a time, each turn waiting for its replies. */
export async function run(base: string, scripts: Script[], concurrency: number): Promise<RunResult> {
  const latenciesMs: number[] = [];
  const outcomes: (string | undefined)[] = new Array(scripts.length);
  let errors = 0;
  let turns = 0;
  let next = 0;
  let drained: { at: number; turns: number } | undefined;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= scripts.length) {
        drained ??= { at: performance.now(), turns };
        return;
      }
      const script = scripts[index] as Script;
      const id = randomUUID();
      for (const text of script.turns) {
        const t0 = performance.now();
        try {
          const r = await send(base, id, text, script.locale);
          latenciesMs.push(performance.now() - t0);
          turns += 1;
          if (r.status !== 200 || r.activities.length === 0) errors += 1;
          const outcome = r.activities.map((a) => a.channelData?.ekey?.outcome).find(Boolean);
          if (outcome) outcomes[index] = outcome;
        } catch {
          errors += 1;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const steady = drained && drained.turns > 0 && scripts.length > concurrency ? drained : { at: performance.now(), turns };
  return { turns, errors, seconds, throughput: steady.turns / ((steady.at - started) / 1000), latenciesMs, outcomes };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/**
 * Runs a server until V8 has compiled its hot paths, before anything is measured: `scripts` 10 at a
 * time, then again and again 50 at a time, some 8,000 turns in all (a tenth of that when quick). Both
 * the service and the echo bot (and this driver's own fetch) were measured still getting faster for
 * 3,000 to 9,000 turns after start; rounds run earlier weigh the JIT's work into the figures, and more
 * for the service, which has far more code to compile.
 */
export async function warm(base: string, scripts: Script[], quick: boolean): Promise<void> {
  let turns = (await run(base, scripts, 10)).turns;
  // Bounded, in case a server that stopped answering would never make up the turns.
  for (let rounds = 0; !quick && turns < 8_000 && rounds < 30; rounds++) turns += (await run(base, scripts, 50)).turns;
}
