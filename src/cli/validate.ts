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
  for (const q of k.questions.values()) {
    if (q.unprompted) {
      if (!paths.some((p) => p.answers[q.id] !== undefined)) problems.push(`${k.sources.get(`question:${q.id}`)}: question "${q.id}" is never said`);
    } else if (!asked.has(q.id)) problems.push(`${k.sources.get(`question:${q.id}`)}: question "${q.id}" is never asked`);
  }
  for (const key of unusedUiKeys(k)) problems.push(`locales/*/ui.json: $.${key}: text is used by no code in src/`);
  if (problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\n`);
    throw new CliExit(1);
  }
  process.stdout.write(
    `knowledge ok: ${k.procedures.size} procedures, ${k.questions.size} questions, ${k.rules.length} rules, ${paths.length} answer paths, each ending in an outcome\n`,
  );
  // What a content owner checks against the handbook: each file's section and when its text was last compared.
  const sources = [...k.procedures.values(), ...k.guides.values()].map((p) => ({ id: p.id, section: p.section, reviewed: p.reviewed }));
  const width = Math.max(...sources.map((p) => p.id.length));
  process.stdout.write(`handbook sections, last reviewed:\n${sources.map((p) => `  ${p.id.padEnd(width)}  ${p.section.padEnd(6)}  reviewed ${p.reviewed}`).join('\n')}\n`);
  const years = [...k.calendar.sources].reduce<Map<string, number[]>>((m, [year, source]) => m.set(source, [...(m.get(source) ?? []), year]), new Map());
  process.stdout.write(
    `working-day calendar: ${[...years].map(([source, ys]) => `${source} ${Math.min(...ys)}${ys.length > 1 ? `-${Math.max(...ys)}` : ''}`).join(', ')}; holidays known until the end of ${k.calendar.years.last}\n`,
  );
});
