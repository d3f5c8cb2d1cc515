import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/app.js';
import { deskChannel } from '../src/channels/desk/index.js';
import { ConfigSchema } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { Accounts } from '../src/desk/accounts.js';
import { FileAgentStore } from '../src/desk/agent-store.js';
import { sessionKey } from '../src/desk/session-store.js';
import { tempDir } from './cases-helpers.js';

const PASSWORD = 'correct-horse-battery';
const running: App[] = [];
afterEach(async () => {
  for (const app of running.splice(0)) await app.close();
});

let now = Date.parse('2026-11-23T02:00:00Z');
const clock = () => now;

/** The service on a data folder; started again on the same folder it is the same service after a restart. */
async function start(dataDir: string) {
  const pageDir = join(dataDir, 'page');
  mkdirSync(pageDir, { recursive: true });
  writeFileSync(join(pageDir, 'index.html'), '<!doctype html><title>desk test page</title>');
  const config = ConfigSchema.parse({ LOG_LEVEL: 'silent', EKEY_DATA_DIR: dataDir, EKEY_RATE_LIMIT_RPS: '0' });
  const app = await createApp(config, { logger: createLogger('silent'), channels: [deskChannel({ pageDir, now: clock })] });
  running.push(app);
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const stop = async () => {
    running.splice(running.indexOf(app), 1);
    await app.close();
  };
  return { url, stop };
}

const signIn = async (url: string, name = 'anna') => {
  const r = await fetch(`${url}/desk/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password: PASSWORD }) });
  expect(r.status).toBe(200);
  const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
  return { cookie, id: cookie.split('=')[1]!, csrf: ((await r.json()) as { csrf: string }).csrf };
};
const whoAmI = (url: string, cookie: string) => fetch(`${url}/desk/api/session`, { headers: { cookie } });
const sessionsFile = (dataDir: string) => join(dataDir, 'desk-sessions.json');

async function folder() {
  const dataDir = tempDir('ekey-desk-sessions-');
  const accounts = new Accounts(new FileAgentStore(dataDir));
  await accounts.add('anna', 'agent', PASSWORD);
  await accounts.add('bo', 'agent', PASSWORD);
  return dataDir;
}

describe('desk sessions kept in the data folder', () => {
  it('a cookie still works after the service restarts on the same folder, and the file holds only hashes of ids (0600)', async () => {
    const dataDir = await folder();
    const first = await start(dataDir);
    const anna = await signIn(first.url);
    expect((await whoAmI(first.url, anna.cookie)).status).toBe(200);
    await first.stop();

    const raw = readFileSync(sessionsFile(dataDir), 'utf8');
    expect(raw).not.toContain(anna.id);
    expect(raw).toContain(sessionKey(anna.id));
    expect(statSync(sessionsFile(dataDir)).mode & 0o777).toBe(0o600);

    now += 10 * 60_000;
    const second = await start(dataDir);
    const me = await whoAmI(second.url, anna.cookie);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ name: 'anna', role: 'agent', csrf: anna.csrf });
    // The CSRF token of the session before the restart still guards its changes.
    const out = await fetch(`${second.url}/desk/api/session`, { method: 'DELETE', headers: { cookie: anna.cookie, 'x-csrf-token': anna.csrf } });
    expect(out.status).toBe(204);
  });

  it('a session expired while the service was down is refused after the restart, and forgotten by the file', async () => {
    const dataDir = await folder();
    const first = await start(dataDir);
    const anna = await signIn(first.url);
    await first.stop();

    now += 31 * 60_000;
    const second = await start(dataDir);
    expect((await whoAmI(second.url, anna.cookie)).status).toBe(401);
    // Refused, and gone: the next sign-in finds nothing of it in the file either.
    await signIn(second.url, 'bo');
    expect(readFileSync(sessionsFile(dataDir), 'utf8')).not.toContain(sessionKey(anna.id));
  });

  it('used within its idle time a session lives on across restarts, up to its 8 hours', async () => {
    const dataDir = await folder();
    let service = await start(dataDir);
    const anna = await signIn(service.url);
    // 19 uses 25 minutes apart (475 minutes), the service restarted every few of them.
    for (let use = 1; use <= 19; use += 1) {
      now += 25 * 60_000;
      expect((await whoAmI(service.url, anna.cookie)).status).toBe(200);
      if (use % 6 === 0) {
        await service.stop();
        service = await start(dataDir);
      }
    }
    // Idle for 6 minutes only, but 8 hours and a minute old.
    now += 6 * 60_000;
    expect((await whoAmI(service.url, anna.cookie)).status).toBe(401);
  });

  it('signing out removes the session from the file: the cookie is refused, after a restart too', async () => {
    const dataDir = await folder();
    const first = await start(dataDir);
    const anna = await signIn(first.url);
    const bo = await signIn(first.url, 'bo');
    const out = await fetch(`${first.url}/desk/api/session`, { method: 'DELETE', headers: { cookie: anna.cookie, 'x-csrf-token': anna.csrf } });
    expect(out.status).toBe(204);
    const raw = readFileSync(sessionsFile(dataDir), 'utf8');
    expect(raw).not.toContain(sessionKey(anna.id));
    expect(raw).toContain(sessionKey(bo.id));
    expect((await whoAmI(first.url, anna.cookie)).status).toBe(401);
    await first.stop();

    const second = await start(dataDir);
    expect((await whoAmI(second.url, anna.cookie)).status).toBe(401);
    expect((await whoAmI(second.url, bo.cookie)).status).toBe(200);
  });

  it('a damaged sessions file is kept aside: the service starts, and everyone signs in again', async () => {
    const dataDir = await folder();
    writeFileSync(sessionsFile(dataDir), '{"format":1,"sessions":[{"key":"x"', { mode: 0o600 });
    const service = await start(dataDir);
    const anna = await signIn(service.url);
    expect((await whoAmI(service.url, anna.cookie)).status).toBe(200);
    const kept = readFileSync(
      join(
        dataDir,
        readdirSync(dataDir).find((n) => n.startsWith('desk-sessions.json.damaged-'))!,
      ),
      'utf8',
    );
    expect(kept).toBe('{"format":1,"sessions":[{"key":"x"');
  });
});
