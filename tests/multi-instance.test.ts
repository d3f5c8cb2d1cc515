import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, send, type Script } from '../bench/driver.js';
import { roundRobin, type RoundRobin } from '../bench/round-robin-proxy.js';
import { CONSULTATIONS, LONG_CONSULTATIONS } from '../bench/scripts.js';
import { SITUATIONS } from './new-user-situations.js';
import { freshDatabase, type TestDatabase } from './pg-helpers.js';
import { type ServiceProcess, startService } from './service-process.js';

/**
 * Two real service processes on one PostgreSQL database, as a bureau runs them behind one address: any
 * instance serves any turn of any conversation. Every situation of the handbook with each turn on the
 * other instance; 200 conversations of ten turns at once through a round-robin balancer; and kill -9 of
 * one instance in the middle of a burst, after which the other finds every case reference shown and
 * carries on the conversations.
 */
const TOKEN = 'multi-instance-agent-token-0123456789';
const SECRET = 'multi-instance-directline-secret-0123456789abcdef';

let db: TestDatabase;
let dir: string;
const instances: ServiceProcess[] = [];
let balancer: RoundRobin | undefined;

const start = () =>
  startService(mkdtempSync(join(dir, 'instance-')), {
    DATABASE_URL: db.url,
    EKEY_AGENT_TOKEN: TOKEN,
    EKEY_DIRECTLINE_SECRET: SECRET,
    EKEY_TURN_LIMIT: '0',
    EKEY_MAX_CASES_PER_CLIENT_DAY: '0',
    EKEY_DB_POOL_MAX: '10',
  });

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
  dir = mkdtempSync(join(tmpdir(), 'ekey-multi-'));
  db = await freshDatabase();
  // Started together: the migrations are applied once, by whichever holds their lock first.
  instances.push(...(await Promise.all([start(), start()])));
}, 120_000);

afterAll(async () => {
  await balancer?.close();
  for (const s of instances) await s.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
  nock.enableNetConnect();
}, 60_000);

const caseOn = (url: string, ref: string) => fetch(`${url}/api/cases/${ref}`, { headers: { authorization: `Bearer ${TOKEN}` } });

describe('two instances on one PostgreSQL database', () => {
  it('ends every situation of the handbook in its procedure with each turn on the other instance', async () => {
    const urls = instances.map((s) => s.url);
    for (const [lang, locale] of [
      ['zh', 'zh-CN'],
      ['en', 'en-US'],
    ] as const) {
      await Promise.all(
        SITUATIONS.map(async (s, n) => {
          const id = `alternate-${lang}-${s.rule}`;
          let rule: string | undefined;
          let reference: string | undefined;
          for (const [i, text] of s[lang].entries()) {
            const r = await send(urls[(n + i) % 2] as string, id, text, locale);
            expect(r.status).toBe(200);
            rule = r.activities.map((a) => a.channelData?.ekey?.outcome).find(Boolean) ?? rule;
            reference = r.activities.map((a) => a.channelData?.ekey?.reference).find(Boolean) ?? reference;
          }
          expect(rule, `${lang} ${s.rule}`).toBe(s.rule);
          // A case opened on one instance is the other's as well.
          if (reference) for (const url of urls) expect((await caseOn(url, reference)).status).toBe(200);
        }),
      );
    }
  }, 180_000);

  it('carries 200 conversations of ten turns at once through a round-robin balancer without an error', async () => {
    balancer = await roundRobin(instances.map((s) => s.url));
    const scripts: Script[] = Array.from({ length: 200 }, (_, i) => LONG_CONSULTATIONS[i % LONG_CONSULTATIONS.length] as Script);
    const r = await run(balancer.url, scripts, 200);
    expect(r.errors).toBe(0);
    expect(r.turns).toBe(2_000);
    expect(r.outcomes).toEqual(scripts.map((s) => s.outcome));
    // Both took their share.
    for (const n of balancer.counts) expect(n).toBeGreaterThan(600);
    await balancer.close();
    balancer = undefined;
  }, 300_000);

  it('after kill -9 of one instance in a burst, the other finds every reference shown and carries on its conversations', async () => {
    balancer = await roundRobin(instances.map((s) => s.url));
    const shown = new Set<string>();
    let turns = 0;
    let killedAt = -1;
    const victim = instances[1] as ServiceProcess;
    /** Conversations that lost no turn: each must still end in its outcome, whichever instance served it. */
    const finished: { script: Script; outcome?: string; lost: boolean; startedBeforeKill: boolean }[] = [];
    const worker = async (w: number) => {
      for (let n = 0; n < 12; n++) {
        const script = CONSULTATIONS[(w + n) % CONSULTATIONS.length] as Script;
        const id = `burst-${w}-${n}`;
        const entry = { script, outcome: undefined as string | undefined, lost: false, startedBeforeKill: killedAt < 0 };
        for (const text of script.turns) {
          const r = await send((balancer as RoundRobin).url, id, text, script.locale).catch(() => ({ status: 0, activities: [] }));
          turns += 1;
          if (r.status !== 200) {
            // A turn in flight to the killed instance: what became of it is not known to the client.
            entry.lost = true;
            break;
          }
          for (const a of r.activities) {
            if (a.channelData?.ekey?.reference) shown.add(a.channelData.ekey.reference);
            entry.outcome = a.channelData?.ekey?.outcome ?? entry.outcome;
          }
          if (turns === 150 && killedAt < 0) {
            killedAt = turns;
            victim.child.kill('SIGKILL');
          }
        }
        finished.push(entry);
      }
    };
    await Promise.all(Array.from({ length: 30 }, (_, w) => worker(w)));
    expect(killedAt).toBeGreaterThan(0);
    expect((await victim.exited).signal).toBe('SIGKILL');
    const lost = finished.filter((f) => f.lost);
    // Only turns in flight at the kill were lost: at most one per worker.
    expect(lost.length).toBeLessThanOrEqual(30);
    // Conversations begun on both instances before the kill went on, on the survivor, to their outcome.
    const carriedOn = finished.filter((f) => !f.lost && f.startedBeforeKill);
    expect(carriedOn.length).toBeGreaterThan(0);
    for (const f of finished.filter((x) => !x.lost)) expect(f.outcome).toBe(f.script.outcome);
    const survivor = instances[0] as ServiceProcess;
    expect(shown.size).toBeGreaterThan(20);
    for (const ref of shown) expect((await caseOn(survivor.url, ref)).status, ref).toBe(200);
  }, 300_000);
});
