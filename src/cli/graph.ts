import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Consultation } from '../consult/consultation.js';
import { enumeratePaths } from '../consult/enumerate.js';
import { createI18n, translator } from '../i18n.js';
import { runCli } from './run.js';
import { loadKnowledge, PROJECT_ROOT } from '../knowledge/load.js';
import { LANGUAGES } from '../knowledge/schema.js';
import { decisionDot } from '../flowcharts/decision-graph.js';
import { Flowcharts } from '../flowcharts/flowcharts.js';
import { layoutSvg } from '../flowcharts/layout.js';

/**
 * `npm run graph [-- --out DIR]`: draws, for both languages, the decision flow of dialogs/ and rules/
 * (decisions.<lang>.svg) and every procedure's flowchart (procedures/<id>.<lang>.svg) into DIR
 * (default dist/graphs), with the DOT source beside each drawing.
 */
await runCli(async () => {
  const at = process.argv.indexOf('--out');
  const out = resolve(at >= 0 && process.argv[at + 1] ? (process.argv[at + 1] as string) : join(PROJECT_ROOT, 'dist', 'graphs'));
  mkdirSync(join(out, 'procedures'), { recursive: true });
  const k = loadKnowledge();
  const paths = await enumeratePaths(new Consultation(k));
  const i18n = createI18n(k);
  const charts = new Flowcharts(k);
  const written: string[] = [];
  for (const lang of LANGUAGES) {
    const dot = decisionDot(k, paths, translator(i18n, lang));
    writeFileSync(join(out, `decisions.${lang}.dot`), dot);
    writeFileSync(join(out, `decisions.${lang}.svg`), await layoutSvg(dot, 'decisions'));
    written.push(`decisions.${lang}.svg`);
    for (const id of charts.procedures()) {
      writeFileSync(join(out, 'procedures', `${id}.${lang}.dot`), charts.dot(id, lang));
      writeFileSync(join(out, 'procedures', `${id}.${lang}.svg`), (await charts.svg(id, lang)).body);
      written.push(`procedures/${id}.${lang}.svg`);
    }
  }
  process.stdout.write(`${written.length} drawings in ${out} (from ${paths.length} answer paths)\n`);
});
