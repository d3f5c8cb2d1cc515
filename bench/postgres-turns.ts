import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, run, type RunResult, type Script, warm } from './driver.js';
import { roundRobin } from './round-robin-proxy.js';
import { CONSULTATIONS } from './scripts.js';
import { startServer } from './server-process.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface TurnFigures {
  throughput: number;
  p50: number;
  p99: number;
  errors: number;
}

export interface PostgresTurns {
  database: string;
  concurrency: number;
  echo: TurnFigures;
  one: TurnFigures;
  two: TurnFigures;
  oneThroughputRatio: number;
  oneP99Ratio: number;
  twoThroughputRatio: number;
  twoP99Ratio: number;
  table: string[];
}

function figures(runs: RunResult[]): TurnFigures {
  const byThroughput = runs.map((r) => r.throughput).sort((a, b) => a - b);
  const all = runs.flatMap((r) => r.latenciesMs);
  return {
    throughput: Math.round(byThroughput[Math.floor(byThroughput.length / 2)] as number),
    p50: Number(percentile(all, 50).toFixed(2)),
    p99: Number(percentile(all, 99).toFixed(2)),
    errors: runs.reduce((n, r) => n + r.errors, 0),
  };
}

const repeat = (scripts: Script[], count: number): Script[] => Array.from({ length: count }, (_, i) => scripts[i % scripts.length] as Script);

/**
 * Turns through /api/messages with every store in PostgreSQL: one instance, and two instances on the same
 * database behind a round-robin balancer, beside the echo bot on the same stack, rounds alternating as in
 * bench/run.ts. Uses DATABASE_URL when set, else a throwaway cluster (scripts/pg-cluster.sh, with fsync on).
 */
export async function benchPostgresTurns(o: { quick: boolean; echo: string[]; ekey: string[] }): Promise<PostgresTurns> {
  const work = mkdtempSync(join(tmpdir(), 'ekey-bench-pg-'));
  const script = join(root, 'scripts/pg-cluster.sh');
  const own = !process.env.DATABASE_URL;
  // A folder of its own under the temporary folder: the server runs as another user, who must reach it.
  const cluster = mkdtempSync(join(tmpdir(), 'ekey-bench-cluster-'));
  const url = process.env.DATABASE_URL ?? execFileSync(script, ['start', cluster, '--durable'], { encoding: 'utf8' }).trim();
  const concurrency = 50;
  const servers: Awaited<ReturnType<typeof startServer>>[] = [];
  try {
    const env = (name: string) => ({
      DATABASE_URL: url,
      EKEY_DATA_DIR: join(work, name),
      EKEY_TURN_LIMIT: '0',
      EKEY_DIRECTLINE_SECRET: 'bench-directline-secret-0123456789abcdef',
    });
    const echo = await startServer(o.echo, 3989);
    servers.push(echo);
    const a = await startServer(o.ekey, 3990, env('a'));
    servers.push(a);
    const b = await startServer(o.ekey, 3991, env('b'));
    servers.push(b);
    const balancer = await roundRobin([a.base, b.base]);
    // The balancer's own hop is in the two-instance figures, and in the echo's beside them.
    const echoBalanced = await roundRobin([echo.base]);
    try {
      // Warmed as in bench/run.ts: the one instance, the pair through the balancer, the echo alone and through its own.
      for (const base of [echo.base, echoBalanced.url, a.base, balancer.url]) await warm(base, repeat(CONSULTATIONS, o.quick ? 100 : 300), o.quick);
      const rounds = o.quick ? 1 : 5;
      const scripts = repeat(CONSULTATIONS, o.quick ? 200 : 600);
      const runs = { echo: [] as RunResult[], echoBalanced: [] as RunResult[], one: [] as RunResult[], two: [] as RunResult[] };
      for (let round = 0; round < rounds; round++) {
        runs.echo.push(await run(echo.base, scripts, concurrency));
        runs.one.push(await run(a.base, scripts, concurrency));
        runs.echoBalanced.push(await run(echoBalanced.url, scripts, concurrency));
        runs.two.push(await run(balancer.url, scripts, concurrency));
      }
      const e = figures(runs.echo);
      const eb = figures(runs.echoBalanced);
      const one = figures(runs.one);
      const two = figures(runs.two);
      const ratio = (x: number, y: number) => Number((x / y).toFixed(2));
      const result = {
        database: own ? 'throwaway cluster (scripts/pg-cluster.sh, fsync on)' : 'DATABASE_URL',
        concurrency,
        echo: e,
        one,
        two,
        oneThroughputRatio: ratio(one.throughput, e.throughput),
        oneP99Ratio: ratio(one.p99, e.p99),
        twoThroughputRatio: ratio(two.throughput, eb.throughput),
        twoP99Ratio: ratio(two.p99, eb.p99),
      };
      const table = [
        `| PostgreSQL, ${concurrency} concurrent | echo bot | ekey-assistant | ratio | target |`,
        '| --- | ---: | ---: | ---: | --- |',
        `| turns/s, one instance | ${e.throughput} | ${one.throughput} | ${result.oneThroughputRatio} | ≥ 0.6 |`,
        `| p50 / p99 ms, one instance | ${e.p50} / ${e.p99} | ${one.p50} / ${one.p99} | p99 ${result.oneP99Ratio} | p99 ≤ 2.5 |`,
        `| turns/s, two instances behind a round-robin balancer | ${eb.throughput} | ${two.throughput} | ${result.twoThroughputRatio} | no error |`,
        `| p50 / p99 ms, two instances | ${eb.p50} / ${eb.p99} | ${two.p50} / ${two.p99} | p99 ${result.twoP99Ratio} | |`,
        `| errors, one / two instances | | ${one.errors} / ${two.errors} | | 0 |`,
      ];
      return { ...result, table };
    } finally {
      await balancer.close();
      await echoBalanced.close();
    }
  } finally {
    for (const s of servers) await s.stop();
    if (own) execFileSync(script, ['stop', cluster]);
    else rmSync(cluster, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}
