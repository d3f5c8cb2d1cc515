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
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= scripts.length) return;
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
  return { turns, errors, seconds: (performance.now() - started) / 1000, latenciesMs, outcomes };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
