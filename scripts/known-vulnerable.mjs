// The lock file against security/known-vulnerable.json: shared by the check and the update script.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const semver = require('semver');

export const LIST = 'security/known-vulnerable.json';
export const SEVERE = new Set(['high', 'critical']);

/** Every package the lock file installs: name, version, and whether only development needs it. */
export function lockedPackages(root) {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const out = [];
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path || !entry.version || entry.link) continue;
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    out.push({ name, version: entry.version, path, dev: Boolean(entry.dev || entry.devOptional) });
  }
  return out;
}

export function readList(root) {
  return JSON.parse(readFileSync(join(root, LIST), 'utf8'));
}

/** The advisories each locked package's version falls in. */
export function matches(packages, advisories) {
  const found = [];
  for (const p of packages) for (const a of advisories[p.name] ?? []) if (semver.satisfies(p.version, a.vulnerable, { includePrerelease: true })) found.push({ ...p, advisory: a });
  return found;
}
