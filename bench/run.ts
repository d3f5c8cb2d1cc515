import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, run, type RunResult, type Script, warm } from './driver.js';
import { CONSULTATIONS } from './scripts.js';
import { startServer } from './server-process.js';
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { replyBytes } from './reply-bytes.js';
import { benchPostgresTurns, type PostgresTurns } from './postgres-turns.js';
import { benchCaseStorePg } from './cases-store-pg.js';

/**
 * Reply bytes per outcome before the messages carried structure (commit acc1cc6: the outcome as Markdown
 * and again as a card), measured once with the same paths and the same public URL by the same method.
 */
const REPLY_BYTES_BEFORE = {
  'zh-CN': { teams: { mean: 19228, max: 28815 }, webchat: { mean: 19228, max: 28815 }, wechat: { mean: 4779, max: 7155 } },
  en: { teams: { mean: 24593, max: 37022 }, webchat: { mean: 24593, max: 37022 }, wechat: { mean: 6543, max: 9862 } },
} as const;

/**
 * `npm run bench`: ekey-assistant against an echo bot on the same botbuilder + restify stack, on the same
 * machine in one run. Prints the figures and writes them to bench/results/ (JSON and Markdown); the README
 * shows the Markdown table.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');

function repeat(scripts: Script[], count: number): Script[] {
  return Array.from({ length: count }, (_, i) => scripts[i % scripts.length] as Script);
}

function summary(r: RunResult) {
  return {
    turns: r.turns,
    errors: r.errors,
    throughput: Math.round(r.throughput),
    p50: Number(percentile(r.latenciesMs, 50).toFixed(2)),
    p99: Number(percentile(r.latenciesMs, 99).toFixed(2)),
  };
}

/** The round of median throughput, with the latencies of all rounds together. */
function medianOf(runs: RunResult[]) {
  const all = runs.flatMap((r) => r.latenciesMs);
  const byThroughput = runs.map(summary).sort((a, b) => a.throughput - b.throughput);
  const mid = byThroughput[Math.floor(byThroughput.length / 2)] as ReturnType<typeof summary>;
  return {
    ...mid,
    rounds: byThroughput.map((r) => r.throughput),
    p50: Number(percentile(all, 50).toFixed(2)),
    p99: Number(percentile(all, 99).toFixed(2)),
    errors: runs.reduce((n, r) => n + r.errors, 0),
  };
}

/** Processor ms per turn over the rounds of one server. */
function perTurn(cpuMs: number, runs: RunResult[]): number {
  return Number((cpuMs / runs.reduce((n, r) => n + r.turns, 0)).toFixed(2));
}

async function median(n: number, f: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push(await f());
  return percentile(values, 50);
}

const dataDir = mkdtempSync(join(tmpdir(), 'ekey-bench-'));
// Both servers run as plain JavaScript, the way `npm start` runs the service.
await build({
  entryPoints: [join(root, 'bench/echo-bot.ts')],
  outfile: join(root, 'dist/bench/echo-bot.js'),
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
execFileSync(process.execPath, [join(root, 'scripts/build-runtime.mjs')]);
const ECHO = [process.execPath, 'dist/bench/echo-bot.js'];
// As `npm start` runs it.
const EKEY = [process.execPath, '--expose-gc', 'dist/src/main.js'];
const NPM_START = ['npm', 'start', '--silent'];
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, quick };

try {
  const readyRuns = quick ? 1 : 3;
  const readyEcho = await median(readyRuns, async () => {
    const s = await startServer(ECHO, 3979);
    await s.stop();
    return s.readyMs;
  });
  const readyEkey = await median(readyRuns, async () => {
    const s = await startServer(NPM_START, 3980, { EKEY_DATA_DIR: mkdtempSync(join(dataDir, 'ready-')) });
    await s.stop();
    return s.readyMs;
  });
  results.ready = {
    how: 'echo: node dist/bench/echo-bot.js; ekey: npm start (transpile + node dist/src/main.js)',
    echoMs: Math.round(readyEcho),
    ekeyMs: Math.round(readyEkey),
    ratio: Number((readyEkey / readyEcho).toFixed(2)),
  };

  const echo = await startServer(ECHO, 3979);
  const ekey = await startServer(EKEY, 3980, { EKEY_DATA_DIR: join(dataDir, 'turns') });
  try {
    // Both warmed alike until their figures hold still (the service has more code for the JIT to settle).
    for (const server of [echo, ekey]) {
      await warm(server.base, repeat(CONSULTATIONS, quick ? 100 : 400), quick);
      await run(server.base, repeat(CONSULTATIONS, quick ? 20 : 80), 1);
    }

    // Rounds alternate between the two servers, so that a machine that slows down or speeds up (a VM's
    // neighbours) weighs on both alike; the figures are the medians of the rounds.
    const rounds = quick ? 1 : 5;
    const turnsRuns: Record<string, unknown> = {};
    for (const concurrency of [1, 50]) {
      const scripts = repeat(CONSULTATIONS, quick ? (concurrency === 1 ? 30 : 200) : concurrency === 1 ? 200 : 600);
      const echoRuns: RunResult[] = [];
      const ekeyRuns: RunResult[] = [];
      const cpu = { echo: 0, ekey: 0 };
      const measured = async (server: typeof echo, name: keyof typeof cpu) => {
        const before = server.cpuMs();
        const r = await run(server.base, scripts, concurrency);
        cpu[name] += server.cpuMs() - before;
        return r;
      };
      for (let round = 0; round < rounds; round++) {
        echoRuns.push(await measured(echo, 'echo'));
        ekeyRuns.push(await measured(ekey, 'ekey'));
      }
      const e = { ...medianOf(echoRuns), cpuMsPerTurn: perTurn(cpu.echo, echoRuns) };
      const k = { ...medianOf(ekeyRuns), cpuMsPerTurn: perTurn(cpu.ekey, ekeyRuns) };
      turnsRuns[`c${concurrency}`] = {
        echo: e,
        ekey: k,
        throughputRatio: Number((k.throughput / e.throughput).toFixed(2)),
        p99Ratio: Number((k.p99 / e.p99).toFixed(2)),
        // What the server itself spent per turn: on a machine shared with other work, the steadier figure.
        cpuRatio: Number((k.cpuMsPerTurn / e.cpuMsPerTurn).toFixed(2)),
        rounds: echoRuns.map((r, i) => Number(((ekeyRuns[i] as RunResult).throughput / r.throughput).toFixed(2))),
      };
    }
    results.turns = turnsRuns;
  } finally {
    await echo.stop();
    await ekey.stop();
  }

  // The same 10,000 conversations left waiting on a question, in the echo bot and in the service, opened
  // 50 at a time: the resident memory at start, at its peak during the burst, and once the burst is over
  // and the conversations wait for their users' next message.
  const count = quick ? 2_000 : 10_000;
  const memoryOf = async (command: string[], port: number, env: Record<string, string> = {}) => {
    const server = await startServer(command, port, env);
    try {
      const before = server.rssMb();
      const r = await run(server.base, repeat([{ turns: ['补办'] }, { turns: ['证书更新'] }, { turns: ['首次申领'] }], count), 50);
      const peak = server.peakRssMb();
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      return { errors: r.errors, rssBeforeMb: Math.round(before), rssPeakMb: Math.round(peak), rssAfterMb: Math.round(server.rssMb()) };
    } finally {
      await server.stop();
    }
  };
  results.memory = {
    conversations: count,
    echo: await memoryOf(ECHO, 3982),
    ekey: await memoryOf(EKEY, 3981, { EKEY_DATA_DIR: join(dataDir, 'memory') }),
  };

  const casesBench = join(root, 'bench/cases-store.ts');
  if (existsSync(casesBench)) {
    const mod = (await import(casesBench)) as { benchCaseStore?: (o: { quick: boolean }) => Promise<unknown> };
    if (mod.benchCaseStore) results.caseStore = await mod.benchCaseStore({ quick });
  }
  // The case store on PostgreSQL, up to a million cases (a quick run stops at ten thousand).
  results.caseStorePg = await benchCaseStorePg({ sizes: quick ? [1_000, 10_000] : [1_000, 100_000, 1_000_000], ops: quick ? 100 : 900 });
  // The same turns with every store in PostgreSQL, on one instance and on two behind a balancer.
  results.postgres = await benchPostgresTurns({ quick, echo: ECHO, ekey: EKEY });
  results.replyBytes = { before: REPLY_BYTES_BEFORE, after: { 'zh-CN': await replyBytes('zh-CN'), en: await replyBytes('en') } };
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

type Side = ReturnType<typeof medianOf> & { cpuMsPerTurn: number };
const t = results.turns as Record<string, { echo: Side; ekey: Side; throughputRatio: number; p99Ratio: number; cpuRatio: number; rounds: number[] }>;
const ready = results.ready as { echoMs: number; ekeyMs: number; ratio: number };
type Rss = { rssBeforeMb: number; rssPeakMb: number; rssAfterMb: number };
const memory = results.memory as { conversations: number; echo: Rss; ekey: Rss };
const rss = (m: Rss) => `${m.rssBeforeMb} / ${m.rssPeakMb} / ${m.rssAfterMb}`;
const rows = [
  '| measure | echo bot | ekey-assistant | ratio | target |',
  '| --- | ---: | ---: | ---: | --- |',
  ...Object.entries(t).flatMap(([c, v]) => [
    `| turns/s, ${c.slice(1)} concurrent | ${v.echo.throughput} | ${v.ekey.throughput} | ${v.throughputRatio} | ≥ 0.7 |`,
    `| p50 / p99 ms, ${c.slice(1)} concurrent | ${v.echo.p50} / ${v.echo.p99} | ${v.ekey.p50} / ${v.ekey.p99} | p99 ${v.p99Ratio} | p99 ≤ 2 |`,
    `| server CPU ms per turn, ${c.slice(1)} concurrent | ${v.echo.cpuMsPerTurn} | ${v.ekey.cpuMsPerTurn} | ${v.cpuRatio} | |`,
  ]),
  `| time to ready, ms | ${ready.echoMs} | ${ready.ekeyMs} | ${ready.ratio} | ≤ 3 |`,
  `| RSS at start / peak / with ${memory.conversations.toLocaleString('en')} conversations in progress, MB | ${rss(memory.echo)} | ${rss(memory.ekey)} | | < 200 |`,
];
type Bytes = { mean: number; max: number };
type ByOutcome = Record<string, { paths: number } & Record<'teams' | 'webchat' | 'wechat', Bytes>>;
const replies = results.replyBytes as { before: Record<string, Record<string, Bytes>>; after: Record<string, Record<string, Bytes> & { byOutcome?: ByOutcome }> };
rows.push(
  '',
  '| reply bytes of the outcome turn, mean / largest | before (acc1cc6) | after |',
  '| --- | ---: | ---: |',
  ...(['zh-CN', 'en'] as const).flatMap((lang) =>
    (['teams', 'webchat', 'wechat'] as const).map((ch) => {
      const b = replies.before[lang]?.[ch];
      const a = replies.after[lang]?.[ch];
      return `| ${ch}, ${lang} | ${b?.mean} / ${b?.max} | ${a?.mean} / ${a?.max} |`;
    }),
  ),
);
rows.push(
  '',
  `Turns/s ratio per round (echo and the service alternating), 50 concurrent: ${t.c50?.rounds.join(', ')}.`,
  '',
  '| reply bytes of the outcome turn by outcome, mean / largest (paths) | teams zh-CN | webchat zh-CN | wechat zh-CN | teams en | webchat en | wechat en |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...Object.keys(replies.after['zh-CN']?.byOutcome ?? {}).map((rule) => {
    const cell = (lang: 'zh-CN' | 'en', ch: 'teams' | 'webchat' | 'wechat') => {
      const b = replies.after[lang]?.byOutcome?.[rule]?.[ch];
      return b ? `${b.mean} / ${b.max}` : '';
    };
    const paths = replies.after['zh-CN']?.byOutcome?.[rule]?.paths;
    return `| ${rule} (${paths}) | ${cell('zh-CN', 'teams')} | ${cell('zh-CN', 'webchat')} | ${cell('zh-CN', 'wechat')} | ${cell('en', 'teams')} | ${cell('en', 'webchat')} | ${cell('en', 'wechat')} |`;
  }),
);
rows.push('', ...(results.postgres as PostgresTurns).table);
const caseStore = results.caseStore as { table?: string[] } | undefined;
if (caseStore?.table) rows.push('', ...caseStore.table);
const caseStorePg = results.caseStorePg as { table?: string[] } | undefined;
if (caseStorePg?.table) rows.push('', ...caseStorePg.table);
const markdown = `Measured ${results.date} on Node ${process.version}${quick ? ' (quick run)' : ''}.\n\n${rows.join('\n')}\n`;

const out = join(root, 'bench/results');
writeFileSync(join(out, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(out, 'latest.md'), markdown);
if (!quick) {
  const readme = join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const marked = /<!-- bench:start -->[\s\S]*<!-- bench:end -->/;
  if (marked.test(text)) writeFileSync(readme, text.replace(marked, `<!-- bench:start -->\n${markdown}<!-- bench:end -->`));
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n\n${markdown}`);
