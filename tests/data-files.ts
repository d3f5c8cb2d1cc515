import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under a directory, by path relative to it, with its bytes. */
export function filesUnder(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const rel of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    const path = join(root, rel);
    if (statSync(path).isFile()) out.set(rel, readFileSync(path));
  }
  return out;
}

/**
 * The cases the store holds, by reference, each as its stored JSON: the segment files, then the lines of
 * the journal over them (the last line of a case wins), as a restarted store would read them.
 */
export function storedCases(dataDir: string): Map<string, string> {
  const out = new Map<string, string>();
  let files: Map<string, Buffer>;
  try {
    files = filesUnder(join(dataDir, 'cases'));
  } catch {
    return out;
  }
  for (const [rel, bytes] of files) {
    if (!/^\d{4}-\d{2}[/\\]\d{4}\.json$/.test(rel)) continue;
    const segment = JSON.parse(bytes.toString('utf8')) as { cases: { reference: string }[] };
    for (const c of segment.cases) out.set(c.reference, JSON.stringify(c));
  }
  const journal = files.get('journal.jsonl')?.toString('utf8') ?? '';
  for (const line of journal.split('\n').slice(0, -1)) {
    const { c } = JSON.parse(line) as { c: { reference: string } };
    out.set(c.reference, JSON.stringify(c));
  }
  return out;
}
