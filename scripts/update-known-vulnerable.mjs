#!/usr/bin/env node
// Refreshes security/known-vulnerable.json from the registry's bulk advisory endpoint (the one
// `npm audit` uses), for every package name in the lock file. Run it wherever that endpoint answers (the
// public registry does; the development VM's mirror answers 405) and commit the result. The registry is
// the one npm is configured with.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIST, lockedPackages } from './known-vulnerable.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const registry = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim().replace(/\/+$/, '');
const versions = {};
for (const p of lockedPackages(root)) (versions[p.name] ??= new Set()).add(p.version);
const body = Object.fromEntries(Object.entries(versions).map(([name, v]) => [name, [...v]]));

const res = await fetch(`${registry}/-/npm/v1/security/advisories/bulk`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
if (!res.ok) {
  console.error(`the registry's advisory endpoint answered ${res.status}: the list is left as it is`);
  process.exit(1);
}
const report = await res.json();
const advisories = {};
for (const [name, list] of Object.entries(report).sort(([a], [b]) => a.localeCompare(b)))
  advisories[name] = list.map((a) => ({ id: String(a.id), severity: a.severity, vulnerable: a.vulnerable_versions, title: a.title, url: a.url }));
writeFileSync(
  join(root, LIST),
  `${JSON.stringify({ updatedAt: new Date().toISOString(), source: 'the registry bulk advisory endpoint, for the packages of package-lock.json (scripts/update-known-vulnerable.mjs)', advisories }, null, 2)}\n`,
);
console.log(`${LIST}: ${Object.keys(advisories).length} packages with advisories`);
