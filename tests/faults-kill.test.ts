import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCaseStore } from '../src/cases/file-store.js';
import { FIRST_OFFLINE, outcomeFor, service } from './cases-helpers.js';
import { say, texts } from './messages-client.js';
import { referencesIn, type ServiceProcess, startService } from './service-process.js';

/**
 * kill -9 in the middle of a storm of case writes (cases opened by consultations, status changes by
 * agents), then a restart on the same data directory: the store still parses and holds every case, and
 * every status change, whose answer reached its client before the kill.
 */
const TOKEN = 'faults-kill-agent-token-0123456789';
const CONSULTATIONS = [
  ['钥匙丢了', '内资'],
  ['ukey坏了', '2'],
];

let dir: string;
const running: ServiceProcess[] = [];
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
  dir = mkdtempSync(join(tmpdir(), 'ekey-kill-'));
});
afterAll(async () => {
  for (const s of running) await s.stop();
  rmSync(dir, { recursive: true, force: true });
  nock.enableNetConnect();
});

const agent = (url: string, path: string, init: RequestInit = {}) =>
  fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers } });

function segmentFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => /^\d{4}-\d{2}[/\\]\d{4}\.json$/.test(f))
    .map((f) => join(root, f));
}

describe('kill -9 during a storm of case writes', () => {
  it('keeps every acknowledged case and status change, and the store parses after the restart', async () => {
    const first = await startService(dir, { EKEY_AGENT_TOKEN: TOKEN });
    running.push(first);

    const opened = new Set<string>();
    const submitted = new Set<string>();
    const claimed = new Set<string>();
    let inFlight = 0;
    let inFlightAtKill = -1;
    let cutOff = 0;
    let killed = false;

    const consult = async (worker: number) => {
      for (let n = 0; !killed; n += 1) {
        const script = CONSULTATIONS[n % CONSULTATIONS.length] as string[];
        for (const text of script) {
          inFlight += 1;
          try {
            const r = await say(first.url, `storm-${worker}-${n}`, text);
            for (const ref of referencesIn(texts(r))) opened.add(ref);
          } catch {
            cutOff += 1;
            return;
          } finally {
            inFlight -= 1;
          }
        }
      }
    };
    const advance = async () => {
      while (!killed) {
        const ref = [...opened].find((r) => !claimed.has(r));
        if (!ref) {
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        claimed.add(ref);
        inFlight += 1;
        try {
          const res = await agent(first.url, `/api/cases/${ref}/transitions`, { method: 'POST', body: JSON.stringify({ to: 'submitted', agent: 'storm' }) });
          await res.body?.cancel();
          if (res.status === 200) submitted.add(ref);
          else throw new Error(`transition of ${ref} answered ${res.status}`);
        } catch (err) {
          if (!killed) throw err;
          cutOff += 1;
          return;
        } finally {
          inFlight -= 1;
        }
      }
    };

    const workers = [...Array.from({ length: 8 }, (_, i) => consult(i)), advance(), advance()];
    const started = Date.now();
    while ((opened.size < 60 || submitted.size < 15) && Date.now() - started < 45_000) await new Promise((r) => setTimeout(r, 20));
    inFlightAtKill = inFlight;
    killed = true;
    first.child.kill('SIGKILL');
    const end = await first.exited;
    await Promise.all(workers);

    expect(end.signal).toBe('SIGKILL');
    // The kill landed in the storm: requests were under way and some never got their answer.
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(cutOff).toBeGreaterThan(0);
    expect(opened.size).toBeGreaterThanOrEqual(60);
    expect(submitted.size).toBeGreaterThanOrEqual(15);

    // The files as the kill left them: every segment is whole JSON, and the store opens on them.
    const casesDir = join(dir, 'cases');
    for (const file of segmentFiles(casesDir)) expect(() => JSON.parse(readFileSync(file, 'utf8')), file).not.toThrow();
    const store = await FileCaseStore.open(dir);
    for (const ref of opened) expect((await store.get(ref))?.reference, ref).toBe(ref);
    for (const ref of submitted) expect((await store.get(ref))?.status, ref).toBe('submitted');
    await store.close();

    // The restarted service finds them all, and writes again (the lock the killed process held is taken over).
    const second = await startService(dir, { EKEY_AGENT_TOKEN: TOKEN });
    running.push(second);
    for (const ref of opened) {
      const res = await agent(second.url, `/api/cases/${ref}`);
      const body = (await res.json()) as { case?: { reference?: string; status?: string } };
      expect(res.status, ref).toBe(200);
      expect(body.case?.reference).toBe(ref);
      if (submitted.has(ref)) expect(body.case?.status, ref).toBe('submitted');
    }
    await say(second.url, 'after-restart', '钥匙丢了');
    const fresh = referencesIn(texts(await say(second.url, 'after-restart', '内资')));
    expect(fresh).toHaveLength(1);
    expect(opened.has(fresh[0] as string)).toBe(false);
    const list = (await (await agent(second.url, '/api/cases?pageSize=200')).json()) as { total: number };
    expect(list.total).toBeGreaterThanOrEqual(opened.size + 1);

    await second.stop();
    expect((await second.exited).code, second.stderr()).toBe(0);
  }, 150_000);

  it('takes over a lock file left empty by a process killed between creating and writing it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'ekey-lock-'));
    try {
      mkdirSync(join(empty, 'cases'));
      const lock = join(empty, 'cases', '.lock');
      writeFileSync(lock, '');
      const past = new Date(Date.now() - 5_000);
      utimesSync(lock, past, past);
      const { cases, store } = await service(empty);
      // Not after the 15 s a held lock is waited for (the test would time out), and not after 30 s of staleness.
      const c = await cases.open({ outcome: await outcomeFor(FIRST_OFFLINE), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' });
      expect(c.reference).toMatch(/^EK-/);
      await store.close();
      expect(existsSync(lock)).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 10_000);
});
