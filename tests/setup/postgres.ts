import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest's global setup: one throwaway PostgreSQL cluster for the whole run (scripts/pg-cluster.sh), unless
 * EKEY_TEST_DATABASE_URL names one already. Each test file makes its own database in it (tests/pg-helpers.ts),
 * so files running side by side never see each other's rows. The workers inherit the address.
 */
export default function setup(): () => void {
  if (process.env.EKEY_TEST_DATABASE_URL) return () => undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ekey-pg-'));
  const script = join(import.meta.dirname, '..', '..', 'scripts', 'pg-cluster.sh');
  const url = execFileSync(script, ['start', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  process.env.EKEY_TEST_DATABASE_URL = url;
  return () => {
    execFileSync(script, ['stop', dir], { stdio: 'inherit' });
  };
}
