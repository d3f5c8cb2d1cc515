// `npm start` runs plain JavaScript: esbuild transpiles src/ to dist/src/ file by file (same layout, so
// paths from import.meta.url still hold) in well under a second. Running under tsx instead would cost
// every server process some 30 MB and its start-up the TypeScript loader; `npm run build` (tsc) is the
// type-checked build and writes the same files.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );

const sources = files(join(root, 'src'));
const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};
// A start after an unchanged checkout transpiles nothing: every output newer than its source and than this
// script is current (a few milliseconds of stat calls, against esbuild's load and run).
const script = mtime(fileURLToPath(import.meta.url));
const current = sources.every((src) => {
  const out = mtime(join(root, 'dist', 'src', relative(join(root, 'src'), src)).replace(/\.ts$/, '.js'));
  return out >= mtime(src) && out >= script;
});
if (!current) await transpile();

async function transpile() {
  const { build } = await import('esbuild');
  await build({
    entryPoints: sources,
    outdir: join(root, 'dist', 'src'),
    outbase: join(root, 'src'),
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
}
