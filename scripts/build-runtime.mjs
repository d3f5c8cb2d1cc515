// `npm start` runs plain JavaScript: esbuild transpiles src/ to dist/src/ file by file (same layout, so
// paths from import.meta.url still hold) in well under a second. Running under tsx instead would cost
// every server process some 30 MB and its start-up the TypeScript loader; `npm run build` (tsc) is the
// type-checked build and writes the same files.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );

await build({
  entryPoints: files(join(root, 'src')),
  outdir: join(root, 'dist', 'src'),
  outbase: join(root, 'src'),
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
