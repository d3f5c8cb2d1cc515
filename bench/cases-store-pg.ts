import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { CaseRecord } from '../src/cases/case-schema.js';
import { PgCaseStore } from '../src/cases/pg-store.js';
import { REFERENCE_ALPHABET } from '../src/cases/reference.js';
import { CaseService } from '../src/cases/service.js';
import { Database } from '../src/storage/pg/database.js';
import { answers, k, outcome, timeInTurn, WARMUP } from './cases-store.js';

/**
 * `npm run bench:cases:pg [-- --sizes 1000,100000,1000000 --ops 300]`: the case store on PostgreSQL at
 * each size: create and update latency through CaseService, list and the desk's searches (a part of an
 * enterprise name, a mobile number as written, a reference as typed), and the start-up of a new process
 * (open the database, first list) with its RSS. Every size is filled first, then each operation is timed on
 * every size in turn. Against DATABASE_URL when set, otherwise a durable
 * cluster of scripts/pg-cluster.sh started here and stopped at the end. Prints figures, passes nothing.
 */
const root = join(import.meta.dirname, '..');

interface Timing {
  p50: number;
  p99: number;
}

/** A database of its own in the cluster for one size. */
async function freshDatabase(url: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

const CITIES = ['天津', '上海', '北京', '广州', '深圳', '宁波', '青岛', '厦门', '大连', '苏州', '杭州', '南京', '重庆', '成都', '武汉', '郑州'];
const AREAS = ['滨海', '浦东', '海淀', '黄埔', '前海', '北仑', '黄岛', '湖里', '金州', '园区', '萧山', '江宁', '两江', '高新', '东湖', '航空港'];
const WORDS = ['华信', '通达', '远洋', '恒昌', '宏盛', '鑫源', '瑞丰', '长城', '金桥', '海纳', '中联', '天成', '汇通', '永泰', '嘉禾', '新航', '博远', '明德', '安顺', '泰和'];
const TRADES = ['进出口', '国际贸易', '供应链', '科技', '实业', '物流', '电子', '机械'];
const sqlArray = (words: string[]) => `(ARRAY[${words.map((w) => `'${w}'`).join(',')}])`;

/**
 * Fills `n` cases in SQL, oldest first over the last two years: the service's record of a real case with
 * its own reference, creation time and contact details (an enterprise name of four parts, an 18-character
 * credit code, a mobile number), and the columns PgCaseStore keeps beside it, as it would compute them.
 * The indexes are dropped during the fill and built again after it, as a bulk load would.
 */
async function fill(db: Database, n: number, template: CaseRecord): Promise<void> {
  const { rows: indexes } = await db.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases' AND indexname <> 'cases_pkey'`,
  );
  for (const ix of indexes) await db.query(`DROP INDEX ${ix.indexname}`);
  const { contact: _none, ...base } = template;
  const letter = (shift: number) => `substr('${REFERENCE_ALPHABET}', 1 + ((h >> ${shift}) & 31), 1)`;
  const chunk = 200_000;
  for (let from = 0; from < n; from += chunk) {
    const to = Math.min(n, from + chunk) - 1;
    await db.query(
      `WITH g AS (
         SELECT i, ((i::bigint * 1103515245) % 1073741824)::int AS h,
                (now() - make_interval(secs => (($2::bigint - i) * 63072000.0 / $2))) AS at
         FROM generate_series($3::int, $4::int) AS i),
       d AS (
         SELECT i, at, (at AT TIME ZONE 'Asia/Shanghai')::date AS day,
                ${sqlArray(CITIES)}[1 + i % 16] || ${sqlArray(AREAS)}[1 + (i / 16) % 16] || ${sqlArray(WORDS)}[1 + (i / 256) % 20] || ${sqlArray(TRADES)}[1 + (i / 5120) % 8] || '有限公司' AS name,
                '9112' || lpad(((i::bigint * 7919) % 10000)::text, 4, '0') || 'MA' || lpad(((i::bigint * 104729) % 10000000)::text, 7, '0') || 'X' AS code,
                '1' || (3 + i % 7)::text || lpad(((i::bigint * 2654435761) % 1000000000)::text, 9, '0') AS mobile,
                'EK-' || to_char((at AT TIME ZONE 'Asia/Shanghai')::date, 'YYYYMMDD') || '-' || ${letter(25)} || ${letter(20)} || ${letter(15)} || ${letter(10)} || ${letter(5)} || ${letter(0)} AS reference
         FROM g)
       INSERT INTO cases (reference, record, created_on, status, procedures, callback_open, has_contact, created_at, search)
       SELECT reference,
              $1::jsonb || jsonb_build_object('reference', reference, 'createdAt', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                'updatedAt', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                'contact', jsonb_build_object('enterpriseName', name, 'creditCode', code, 'mobile', mobile)),
              day, $5, $6::text[], false, true, at,
              lower(reference) || chr(1) || name || chr(1) || lower(code) || chr(1) || mobile
       FROM d ORDER BY i`,
      [JSON.stringify(base), n, from, to, template.status, template.procedures],
    );
    process.stdout.write(`  filled ${(to + 1).toLocaleString('en')}\n`);
  }
  for (const ix of indexes) await db.query(ix.indexdef);
  await db.query('VACUUM ANALYZE cases');
  // The load's dirty pages are written now, not by a checkpoint spread over the measured operations (a
  // store that has held a million cases for a while has none pending); without the right (a DATABASE_URL
  // of a role that may not), the figures include it.
  await db.query('CHECKPOINT').catch(() => undefined);
}

/** In a process of its own, as an instance starting: open the database, the first page of cases; its time and RSS. */
async function startupChild(url: string): Promise<void> {
  const t0 = performance.now();
  const db = await Database.open(url, { max: 4 });
  const page = await new PgCaseStore(db).list({ offset: 0, limit: 50 });
  const ms = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ ms, rssMB: process.memoryUsage().rss / 1_048_576, total: page.total })}\n`);
  await db.close();
}

function startup(url: string): { ms: number; rssMB: number } {
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  const r = spawnSync(tsx, [join(root, 'bench', 'cases-store-pg.ts'), '--startup', url], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`start-up child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { ms: number; rssMB: number };
}

interface Row {
  size: number;
  fillS: number;
  create: Timing;
  update: Timing;
  list: Timing;
  name: Timing;
  phone: Timing;
  reference: Timing;
  startMs: number;
  rssMB: number;
}

/** A size filled and ready to be measured: its store, the cases picked over it, its start-up. */
interface Prepared {
  size: number;
  fillS: number;
  db: Database;
  cases: CaseService;
  pick: (i: number) => { reference: string; name: string; mobile: string };
  startMs: number;
  rssMB: number;
}

async function prepare(clusterUrl: string, size: number, ops: number): Promise<Prepared> {
  const url = await freshDatabase(clusterUrl, `ekey_bench_${size}`);
  const db = await Database.open(url, { max: 8 });
  const store = new PgCaseStore(db);
  const cases = new CaseService(k, store);
  const template = await cases.open({ outcome, answers, lang: 'zh-CN', channel: 'bench' });
  await db.query('TRUNCATE cases');
  const f0 = performance.now();
  await fill(db, size, template);
  const fillS = (performance.now() - f0) / 1000;
  const { rows: picked } = await db.query<{ reference: string; name: string; mobile: string }>(
    `SELECT reference, record->'contact'->>'enterpriseName' AS name, record->'contact'->>'mobile' AS mobile FROM cases WHERE seq % $1 = 0 ORDER BY seq LIMIT $2`,
    [Math.max(1, Math.floor(size / (ops + WARMUP + 1))), ops + WARMUP],
  );
  const pick = (i: number) => picked[(i + WARMUP) % picked.length] as (typeof picked)[number];
  const { ms: startMs, rssMB } = startup(url);
  return { size, fillS, db, cases, pick, startMs, rssMB };
}

async function measure(sizes: Prepared[], ops: number): Promise<Row[]> {
  const page = (p: Prepared, q: Partial<Parameters<CaseService['list']>[0]>) => p.cases.list({ offset: 0, limit: 50, ...q });
  const create = await timeInTurn(sizes, ops, (p) => p.cases.open({ outcome, answers, lang: 'zh-CN', channel: 'bench' }));
  // Updates touch cases spread over the whole table, each a legal transition.
  const update = await timeInTurn(sizes, ops, (p, i) => p.cases.transition(p.pick(i).reference, { to: 'submitted', agent: 'bench' }));
  const list = await timeInTurn(sizes, ops, (p, i) => page(p, i % 2 ? { status: 'submitted' } : {}));
  // What an agent types: four characters from the middle of a name, a number with spaces, a reference in lower case.
  const name = await timeInTurn(sizes, ops, (p, i) => page(p, { text: p.pick(i).name.slice(2, 6) }));
  const phone = await timeInTurn(sizes, ops, (p, i) => page(p, { text: p.pick(i).mobile.replace(/^(\d{3})(\d{4})(\d{4})$/, '$1 $2 $3') }));
  const reference = await timeInTurn(sizes, ops, (p, i) => page(p, { text: p.pick(i).reference.toLowerCase().replaceAll('-', ' ') }));
  return sizes.map((p, s) => ({
    size: p.size,
    fillS: p.fillS,
    create: create[s]!,
    update: update[s]!,
    list: list[s]!,
    name: name[s]!,
    phone: phone[s]!,
    reference: reference[s]!,
    startMs: p.startMs,
    rssMB: p.rssMB,
  }));
}

/** The case store on PostgreSQL at each size; `npm run bench` shows its table beside the files'. */
export async function benchCaseStorePg(o: { sizes: number[]; ops: number; log?: (line: string) => void }): Promise<{ rows: Row[]; table: string[] }> {
  const { sizes, ops } = o;
  let clusterUrl = process.env.DATABASE_URL;
  const dir = clusterUrl ? undefined : mkdtempSync(join(tmpdir(), 'ekey-bench-pg-'));
  const script = join(root, 'scripts', 'pg-cluster.sh');
  if (dir) clusterUrl = execFileSync(script, ['start', dir, '--durable'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const prepared: Prepared[] = [];
  let rows: Row[];
  try {
    for (const size of sizes) {
      o.log?.(`${size.toLocaleString('en')} cases:`);
      prepared.push(await prepare(clusterUrl as string, size, ops));
    }
    rows = await measure(prepared, ops);
  } finally {
    for (const p of prepared) await p.db.close();
    if (dir) execFileSync(script, ['stop', dir], { stdio: 'inherit' });
  }
  const ms = (t: Timing) => `${t.p50.toFixed(2)} / ${t.p99.toFixed(2)}`;
  const first = rows[0] as Row;
  const last = rows.at(-1) as Row;
  const table = [
    '| cases stored | fill s | create p50 / p99 ms | update p50 / p99 ms | list p50 / p99 ms | name part p50 / p99 ms | phone as written p50 / p99 ms | reference p50 / p99 ms | start-up ms | start-up RSS MB |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.size.toLocaleString('en')} | ${r.fillS.toFixed(0)} | ${ms(r.create)} | ${ms(r.update)} | ${ms(r.list)} | ${ms(r.name)} | ${ms(r.phone)} | ${ms(r.reference)} | ${r.startMs.toFixed(0)} | ${r.rssMB.toFixed(0)} |`,
    ),
    '',
    `Case store on PostgreSQL${dir ? ' (a durable cluster of scripts/pg-cluster.sh)' : ''}, ${ops} operations each, the sizes taken in turn for every operation: at ${last.size.toLocaleString('en')} cases against ${first.size.toLocaleString('en')}, create p99 ${(last.create.p99 / first.create.p99).toFixed(2)}x, update p99 ${(last.update.p99 / first.update.p99).toFixed(2)}x (target ≤ 1.5x); start-up ${last.startMs.toFixed(0)} ms (target < 2000), RSS ${last.rssMB.toFixed(0)} MB (target < 200); slowest search p99 ${Math.max(last.name.p99, last.phone.p99, last.reference.p99).toFixed(1)} ms (target < 100).`,
  ];
  return { rows, table };
}

async function main(): Promise<void> {
  const arg = (name: string) => {
    const at = process.argv.indexOf(name);
    return at >= 0 ? process.argv[at + 1] : undefined;
  };
  const { table } = await benchCaseStorePg({
    sizes: (arg('--sizes') ?? '1000,100000,1000000').split(',').map(Number),
    ops: Number(arg('--ops') ?? 300),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`\nNode ${process.version}\n\n${table.join('\n')}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--startup');
  if (at >= 0) await startupChild(process.argv[at + 1] as string);
  else await main();
}
