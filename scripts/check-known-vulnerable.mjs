#!/usr/bin/env node
// The lock file against the list of known-vulnerable versions kept in the repository
// (security/known-vulnerable.json, refreshed by scripts/update-known-vulnerable.mjs where the registry's
// audit endpoint answers). Runs where `npm audit` cannot: a high or critical advisory on a package that
// production installs fails; development-only ones and lower severities are listed.
import { fileURLToPath } from 'node:url';
import { lockedPackages, matches, readList, SEVERE } from './known-vulnerable.mjs';

// Another project folder may be given (the tests check a lock file of their own).
const root = process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url));
const list = readList(root);
const packages = lockedPackages(root);
const found = matches(packages, list.advisories);
const failing = found.filter((f) => !f.dev && SEVERE.has(f.advisory.severity));
const line = (f) =>
  `  ${f.advisory.severity} ${f.name}@${f.version} (${f.path}${f.dev ? ', development only' : ''}): ${f.advisory.title} ${f.advisory.url ?? ''} — vulnerable ${f.advisory.vulnerable}`;

console.log(`known-vulnerable list: ${Object.keys(list.advisories).length} packages, updated ${list.updatedAt ?? 'never'} (${list.source}); ${packages.length} packages locked`);
for (const f of found.filter((x) => !failing.includes(x))) console.log(line(f));
if (failing.length > 0) {
  console.log('high or critical advisories on production packages:');
  for (const f of failing) console.log(line(f));
  console.log('fix: upgrade the dependency, or pin the fixed transitive version under "overrides" in package.json');
  process.exit(1);
}
console.log('no locked production package is in a high or critical range of the list');
