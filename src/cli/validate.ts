import { Consultation } from '../consult/consultation.js';
import { enumeratePaths } from '../consult/enumerate.js';
import { CliExit, runCli } from './run.js';
import { loadKnowledge } from '../knowledge/load.js';
import { unusedUiKeys } from '../knowledge/ui-keys.js';

/**
 * `npm run validate`: the whole knowledge checked as a content editor needs it. Shape and references
 * are checked by loading; then every path of the consultation is walked to an outcome.
 */
await runCli(async () => {
  const k = loadKnowledge();
  const paths = await enumeratePaths(new Consultation(k));
  const problems: string[] = [];
  const rulesHit = new Set(paths.map((p) => p.outcome.rule));
  for (const r of k.rules) if (!rulesHit.has(r.name)) problems.push(`${k.sources.get(`rule:${r.name}`)}: rule "${r.name}" is reached by no combination of answers`);
  const asked = new Set(paths.flatMap((p) => p.asked));
  for (const q of k.questions.keys()) if (!asked.has(q)) problems.push(`${k.sources.get(`question:${q}`)}: question "${q}" is never asked`);
  for (const key of unusedUiKeys(k)) problems.push(`locales/*/ui.json: $.${key}: text is used by no code in src/`);
  if (problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\n`);
    throw new CliExit(1);
  }
  process.stdout.write(
    `knowledge ok: ${k.procedures.size} procedures, ${k.questions.size} questions, ${k.rules.length} rules, ${paths.length} answer paths, each ending in an outcome\n`,
  );
});
