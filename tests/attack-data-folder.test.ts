import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { filesUnder } from './data-files.js';
import { referencesIn, startService, freePort, type ServiceProcess } from './service-process.js';
import { say, texts } from './messages-client.js';

const root = fileURLToPath(new URL('..', import.meta.url));
let running: ServiceProcess[] = [];
let dirs: string[] = [];

afterEach(async () => {
  for (const s of running) await s.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  running = [];
  dirs = [];
});

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ekey-owner-'));
  dirs.push(d);
  return d;
}

/** `npm start` a second time on the folder: how it ends and what it said. */
async function secondStart(dir: string): Promise<{ code: number | null; stderr: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', EKEY_DATA_DIR: dir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, stderr };
}

describe('one process owns a data folder (item 12)', () => {
  it('a second npm start on the same EKEY_DATA_DIR exits non-zero naming the holder, and touches nothing', async () => {
    const dir = dataDir();
    const first = await startService(dir);
    running.push(first);
    // Something to lose: a conversation waiting on a question and a case.
    const outcome = await say(first.url, 'owner-1', '注销证书');
    expect(referencesIn(texts(outcome))).toHaveLength(1);
    await say(first.url, 'owner-2', '钥匙丢了');
    const before = filesUnder(dir);

    const second = await secondStart(dir);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`process ${first.child.pid}`);
    expect(second.stderr).toContain('service.lock');
    expect(filesUnder(dir)).toEqual(before);

    // The first goes on as if nothing happened.
    const next = await say(first.url, 'owner-2', '内资');
    expect(next.status).toBe(200);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
  }, 120_000);

  it('takes over a lock left by a process that is gone, and lets go of it on a clean stop', async () => {
    const dir = dataDir();
    // A pid far beyond any pid_max in use: no such process.
    writeFileSync(join(dir, 'service.lock'), JSON.stringify({ pid: 4_194_000, host: (await import('node:os')).hostname(), since: '2026-01-01T00:00:00Z' }));
    const s = await startService(dir);
    running.push(s);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    await s.stop();
    expect(readdirSync(dir)).not.toContain('service.lock');
  }, 120_000);
});

describe('data files are private (item 20)', () => {
  it('creates every file 0600 and every folder 0700, whatever the umask', async () => {
    const dir = dataDir();
    // The child inherits the umask: with none, only the modes the service asks for keep files private.
    const umask = process.umask(0);
    let s: ServiceProcess;
    try {
      s = await startService(dir);
    } finally {
      process.umask(umask);
    }
    running.push(s);
    await say(s.url, 'modes-1', '注销证书');
    await say(s.url, 'modes-2', '钥匙丢了');
    await s.stop();
    const seen: string[] = [];
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        const info = statSync(p);
        seen.push(`${name} ${(info.mode & 0o777).toString(8)}`);
        if (info.isDirectory()) {
          expect(info.mode & 0o777, p).toBe(0o700);
          walk(p);
        } else expect(info.mode & 0o777, p).toBe(0o600);
      }
    };
    walk(dir);
    expect(seen.some((x) => x.startsWith('journal.jsonl'))).toBe(true);
    expect(seen.some((x) => x.startsWith('cases'))).toBe(true);
  }, 120_000);
});
