import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountError, Accounts } from '../src/desk/accounts.js';
import { type AgentStore, FileAgentStore } from '../src/desk/agent-store.js';
import { PgAgentStore } from '../src/desk/pg-agent-store.js';
import { databasePlace, folderPlace } from './store-places.js';
import { tempDir } from './cases-helpers.js';
import { runAgentsCli } from './cli-run.js';

/**
 * One contract for the desk's agent accounts, run on both backends: add, list, disable, reset and sign-in
 * behave the same, a change made through one opening is seen at once through another (the CLI beside a
 * running service, or two instances). PostgreSQL alone: two accounts of one name created at once, one
 * wins; `npm run agents` works on DATABASE_URL.
 */
interface Backend {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  open(): Promise<AgentStore>;
}

const folder = folderPlace('ekey-agents-contract-');
const files: Backend = { name: 'embedded files', setup: () => folder.setup(), teardown: () => folder.teardown(), open: async () => new FileAgentStore(folder.dir) };
const database = databasePlace();
const postgres: Backend = { name: 'PostgreSQL', setup: () => database.setup(), teardown: () => database.teardown(), open: async () => new PgAgentStore(await database.open()) };

let tick = Date.parse('2026-12-01T08:00:00Z');
const clock = () => new Date((tick += 1_000));

describe.each([files, postgres])('the agent accounts on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it('adds, lists, disables and resets, and another opening sees each change at once', async () => {
    const a = new Accounts(await backend.open(), clock);
    const b = new Accounts(await backend.open(), clock);
    await a.add('zoe', 'agent', 'zoe-password-1');
    await a.add('anna', 'supervisor', 'anna-password-1');
    await expect(b.add('anna', 'agent', 'other-password-1')).rejects.toMatchObject({ code: 'exists' });
    await expect(a.add('no spaces', 'agent', 'a-password-10')).rejects.toBeInstanceOf(AccountError);
    await expect(a.add('short', 'agent', 'short')).rejects.toMatchObject({ code: 'weakPassword' });
    const listed = await b.store.list();
    expect(listed.map((x) => [x.name, x.role, x.disabled ?? false])).toEqual([
      ['anna', 'supervisor', false],
      ['zoe', 'agent', false],
    ]);
    expect(listed[0]!.passwordHash).toMatch(/^scrypt\$/);
    expect((await b.authenticate('anna', 'anna-password-1'))?.role).toBe('supervisor');
    expect(await b.authenticate('anna', 'zoe-password-1')).toBeUndefined();

    const before = (await b.store.get('zoe'))!.changedAt;
    await a.disable('zoe');
    expect(await b.authenticate('zoe', 'zoe-password-1')).toBeUndefined();
    expect((await b.store.get('zoe'))?.disabled).toBe(true);
    await b.reset('zoe', 'zoe-password-2');
    const after = (await a.store.get('zoe'))!;
    expect(after.disabled).toBeUndefined();
    expect(after.changedAt > before).toBe(true);
    expect((await a.authenticate('zoe', 'zoe-password-2'))?.name).toBe('zoe');
    await expect(a.disable('nobody')).rejects.toMatchObject({ code: 'unknown' });
    expect(await a.store.get('nobody')).toBeUndefined();
  });
});

describe('the agent accounts on PostgreSQL, shared', () => {
  beforeAll(() => database.setup());
  afterAll(() => database.teardown());

  it('two accounts of one name created at once: one is made, the other told it exists', async () => {
    const a = new Accounts(await postgres.open());
    const b = new Accounts(await postgres.open());
    const results = await Promise.allSettled([a.add('twin', 'agent', 'first-password-1'), b.add('twin', 'supervisor', 'second-password-1')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'exists' });
    expect(await a.store.list()).toHaveLength(1);
  });

  it('npm run agents adds and lists the accounts of DATABASE_URL, the data folder untouched', async () => {
    const store = new PgAgentStore(await database.open());
    const dir = tempDir('ekey-agents-pg-');
    const env = { DATABASE_URL: database.url, EKEY_DATA_DIR: dir };
    const add = await runAgentsCli(env, ['add', 'cli-agent', '--lang', 'en'], 'cli-password-1\n');
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect((await new Accounts(store).authenticate('cli-agent', 'cli-password-1'))?.role).toBe('agent');
    const list = await runAgentsCli(env, ['list', '--lang', 'en']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('cli-agent');
    expect(existsSync(join(dir, 'agents.json'))).toBe(false);
  });
});
