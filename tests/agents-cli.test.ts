import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Accounts } from '../src/desk/accounts.js';
import { FileAgentStore } from '../src/desk/agent-store.js';
import { tempDir } from './cases-helpers.js';
import { runAgentsCli } from './cli-run.js';

/** `npm run agents -- ARGS` on the data folder `dataDir`, with `input` piped into its standard input. */
const agents = (dataDir: string, args: string[], input = '') => runAgentsCli({ EKEY_DATA_DIR: dataDir }, args, input);

describe('npm run agents', () => {
  it('adds, lists, disables and resets accounts, the password piped in and never printed or stored in clear', async () => {
    const dir = tempDir('ekey-agents-');
    const accounts = new Accounts(new FileAgentStore(dir));
    const add = await agents(dir, ['add', 'anna', '--role', 'supervisor', '--lang', 'en'], 'first-password-1\n');
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('"anna" added (supervisor)');
    expect((await agents(dir, ['add', 'bo'], 'second-password\r\n')).code).toBe(0);
    const file = join(dir, 'agents.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain('first-password-1');
    expect(readFileSync(file, 'utf8')).toContain('scrypt$');
    expect((await accounts.authenticate('anna', 'first-password-1'))?.role).toBe('supervisor');
    expect((await accounts.authenticate('bo', 'second-password'))?.role).toBe('agent');
    expect(await accounts.authenticate('anna', 'second-password')).toBeUndefined();

    const again = await agents(dir, ['add', 'anna', '--lang', 'en'], 'other-password-1\n');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('exists already');
    expect((await agents(dir, ['add', 'carl', '--lang', 'en'], 'short\n')).stderr).toContain('at least 10 characters');
    expect((await agents(dir, ['add', 'carl', '--lang', 'en'], '')).code).toBe(2);
    expect((await agents(dir, ['add', 'bad name', '--lang', 'en'], 'long-enough-pass\n')).code).toBe(1);
    expect((await agents(dir, ['add', 'dan', '--role', 'boss', '--lang', 'en'], 'long-enough-pass\n')).code).toBe(2);

    const list = await agents(dir, ['list', '--lang', 'en']);
    expect(list.code).toBe(0);
    expect(
      list.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t').slice(0, 3)),
    ).toEqual([
      ['anna', 'supervisor', 'active'],
      ['bo', 'agent', 'active'],
    ]);
    for (const r of [add, list]) expect(r.stdout + r.stderr).not.toContain('password-1');

    expect((await agents(dir, ['disable', 'bo', '--lang', 'en'])).code).toBe(0);
    expect((await agents(dir, ['list', '--lang', 'en'])).stdout).toMatch(/bo\tagent\tdisabled/);
    expect(await accounts.authenticate('bo', 'second-password')).toBeUndefined();
    expect((await agents(dir, ['disable', 'nobody', '--lang', 'en'])).stderr).toContain('no account "nobody"');

    expect((await agents(dir, ['reset', 'bo', '--lang', 'en'], 'third-password-3\n')).code).toBe(0);
    expect(await accounts.authenticate('bo', 'second-password')).toBeUndefined();
    expect((await accounts.authenticate('bo', 'third-password-3'))?.name).toBe('bo');
    expect((await agents(dir, ['frobnicate'])).code).toBe(2);
  }, 180_000);
});
