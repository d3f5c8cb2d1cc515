import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './cases-helpers.js';

const script = join(process.cwd(), 'scripts', 'check-known-vulnerable.mjs');

function check(root?: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...(root ? [root] : [])], { cwd: process.cwd() }, (err, stdout) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
    );
  });
}

function project(packages: Record<string, { version: string; dev?: boolean }>): string {
  const root = tempDir('ekey-lock-');
  mkdirSync(join(root, 'security'));
  writeFileSync(
    join(root, 'package-lock.json'),
    JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'x' }, ...Object.fromEntries(Object.entries(packages).map(([n, p]) => [`node_modules/${n}`, p])) } }),
  );
  writeFileSync(
    join(root, 'security', 'known-vulnerable.json'),
    JSON.stringify({
      updatedAt: null,
      source: 'test',
      advisories: {
        minimist: [{ id: 'GHSA-xvch-5gv4-984h', severity: 'critical', vulnerable: '<0.2.4 || >=1.0.0 <1.2.6', title: 'Prototype pollution' }],
        send: [{ id: 'x', severity: 'low', vulnerable: '<0.19.0', title: 'low one' }],
      },
    }),
  );
  return root;
}

describe('the lock file against the known-vulnerable list (issue 13, "Also")', () => {
  it('fails on a production package in a high or critical range, naming it', async () => {
    const r = await check(project({ minimist: { version: '1.2.5' }, 'a/node_modules/send': { version: '0.18.0' } }));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('critical minimist@1.2.5');
  });

  it('passes on fixed versions, and lists development-only and low findings without failing', async () => {
    const r = await check(project({ minimist: { version: '1.2.6' }, 'x/node_modules/minimist': { version: '0.2.1', dev: true }, send: { version: '0.18.0' } }));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('development only');
    expect(r.stdout).toContain('low send@0.18.0');
  });

  it("passes on this repository's own lock file", async () => {
    const r = await check();
    expect(r.stdout).toContain('known-vulnerable list');
    expect(r.code).toBe(0);
  });
});
