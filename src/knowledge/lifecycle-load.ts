import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type KnowledgeProblem, zodProblems } from './errors.js';
import { Lifecycle } from './lifecycle-schema.js';

export interface LoadedLifecycles {
  lifecycles: Map<string, Lifecycle>;
  /** "lifecycle:<id>" -> file, for error messages. */
  sources: Map<string, string>;
  problems: KnowledgeProblem[];
}

/** Reads rules/lifecycle/*.json, each checked by its schema; cross-checks come later with the knowledge. */
export function loadLifecycles(root: string): LoadedLifecycles {
  const dir = join(root, 'rules', 'lifecycle');
  const out: LoadedLifecycles = { lifecycles: new Map(), sources: new Map(), problems: [] };
  if (!existsSync(dir)) {
    out.problems.push({ file: relative(root, dir), path: '', message: 'folder is missing' });
    return out;
  }
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const file = relative(root, join(dir, name));
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    } catch (err) {
      out.problems.push({ file, path: '', message: `not valid JSON: ${(err as Error).message}` });
      continue;
    }
    const parsed = Lifecycle.safeParse(raw);
    if (!parsed.success) {
      out.problems.push(...zodProblems(file, parsed.error));
      continue;
    }
    const lc = parsed.data;
    if (`${lc.id}.json` !== name) out.problems.push({ file, path: '$.id', message: `id "${lc.id}" does not match the file name` });
    out.lifecycles.set(lc.id, lc);
    out.sources.set(`lifecycle:${lc.id}`, file);
  }
  return out;
}
