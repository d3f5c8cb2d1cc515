import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flatten } from './locale-keys.js';
import { PROJECT_ROOT } from './load.js';
import type { Knowledge } from './model.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The "ui:" keys the code names, read from src/ (the code names each key in full, never by concatenation). */
export function uiKeysInCode(root: string = PROJECT_ROOT): Set<string> {
  const keys = new Set<string>();
  for (const file of sourceFiles(join(root, 'src'))) for (const m of readFileSync(file, 'utf8').matchAll(/['"`]ui:([a-zA-Z0-9_.-]+)['"`]/g)) keys.add(m[1] as string);
  return keys;
}

export function unusedUiKeys(k: Knowledge, root: string = PROJECT_ROOT): string[] {
  const used = uiKeysInCode(root);
  return [...flatten(k.locales['zh-CN'].ui).keys()].filter((key) => !used.has(key));
}

export function missingUiKeys(k: Knowledge, root: string = PROJECT_ROOT): string[] {
  const present = flatten(k.locales['zh-CN'].ui);
  return [...uiKeysInCode(root)].filter((key) => !present.has(key));
}
