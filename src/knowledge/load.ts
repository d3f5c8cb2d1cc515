import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { KnowledgeError, type KnowledgeProblem, zodProblems } from './errors.js';
import type { Knowledge } from './model.js';
import {
  CalendarYear,
  Commands,
  Concepts,
  Contacts,
  DecisionFile,
  Guide,
  LANGUAGES,
  Lexicon,
  LocaleTree,
  Materials,
  NAMESPACES,
  Phrases,
  Procedure,
  Question,
  SharedConditions,
  Systems,
} from './schema.js';
import { referenceProblems } from './references.js';
import { loadLifecycles } from './lifecycle-load.js';
import { loadContactWords } from './contact-words.js';
import { loadScrubWords, SCRUB_WORDS_FILE } from './scrub-words.js';
import { addDays } from '../dates/beijing.js';
import { type CalendarTable, WorkingDayCalendar } from '../dates/working-days.js';

const nextDay = (date: string) => addDays(date, 1);

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/dist\/?$/, '');

/**
 * Reads and checks every knowledge file. Any problem, of shape or of reference, stops here with the
 * file, the JSON path and what is wrong: the service must never start on half-understood content.
 */
/** Folders whose every JSON file is read, and the single files read elsewhere in rules/ and dialogs/. */
const FILES = [
  'rules/materials.json',
  'rules/contacts.json',
  'rules/systems.json',
  'rules/conditions.json',
  'dialogs/lexicon.json',
  'dialogs/phrases.json',
  'dialogs/concepts.json',
  'dialogs/commands.json',
  'dialogs/contact.json',
  SCRUB_WORDS_FILE,
];
const FOLDERS = ['rules/procedures', 'rules/guides', 'rules/decisions', 'rules/lifecycle', 'rules/calendar', 'dialogs/questions'];

/**
 * Every file under rules/, dialogs/ and locales/ must be one the service reads: a misspelt or misplaced
 * file would otherwise be silently ignored, and the change it was meant to make never happen.
 */
function strayFiles(root: string): KnowledgeProblem[] {
  const known = new Set([...FILES, ...LANGUAGES.flatMap((lng) => NAMESPACES.map((ns) => `locales/${lng}/${ns}.json`))]);
  const problems: KnowledgeProblem[] = [];
  for (const top of ['rules', 'dialogs', 'locales']) {
    const dir = join(root, top);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = relative(root, join(entry.parentPath, entry.name)).split(sep).join('/');
      const folder = path.slice(0, path.lastIndexOf('/'));
      if (known.has(path) || (FOLDERS.includes(folder) && path.endsWith('.json'))) continue;
      problems.push({ file: path, path: '', message: 'no knowledge file of this name or place is read: rename or move it (see README, "How the knowledge is laid out")' });
    }
  }
  return problems;
}

export function loadKnowledge(root: string = PROJECT_ROOT): Knowledge {
  const problems: KnowledgeProblem[] = [];
  const rel = (file: string) => relative(root, file) || file;

  function read<T>(file: string, schema: z.ZodType<T>): T | undefined {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file is missing' : `not valid JSON: ${(err as Error).message}`;
      problems.push({ file: rel(file), path: '', message: reason });
      return undefined;
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      problems.push(...zodProblems(rel(file), parsed.error));
      return undefined;
    }
    return parsed.data;
  }

  function jsonFiles(dir: string): string[] {
    if (!existsSync(dir)) {
      problems.push({ file: rel(dir), path: '', message: 'folder is missing' });
      return [];
    }
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => join(dir, f));
  }

  const sources = new Map<string, string>();
  const rulesDir = join(root, 'rules');
  const dialogsDir = join(root, 'dialogs');

  const procedures = new Map<string, Procedure>();
  for (const file of jsonFiles(join(rulesDir, 'procedures'))) {
    const p = read(file, Procedure);
    if (!p) continue;
    if (`${p.id}.json` !== file.split('/').pop()) problems.push({ file: rel(file), path: '$.id', message: `id "${p.id}" does not match the file name` });
    procedures.set(p.id, p);
    sources.set(`procedure:${p.id}`, rel(file));
  }

  const guides = new Map<string, z.infer<typeof Guide>>();
  for (const file of jsonFiles(join(rulesDir, 'guides'))) {
    const g = read(file, Guide);
    if (!g) continue;
    guides.set(g.id, g);
    sources.set(`guide:${g.id}`, rel(file));
  }

  const rules: z.infer<typeof DecisionFile> = [];
  for (const file of jsonFiles(join(rulesDir, 'decisions'))) {
    const list = read(file, DecisionFile);
    if (!list) continue;
    list.forEach((rule, i) => {
      if (sources.has(`rule:${rule.name}`)) problems.push({ file: rel(file), path: `$[${i}].name`, message: `rule "${rule.name}" is defined twice` });
      sources.set(`rule:${rule.name}`, rel(file));
      rules.push(rule);
    });
  }

  const questions = new Map<string, z.infer<typeof Question>>();
  for (const file of jsonFiles(join(dialogsDir, 'questions'))) {
    const q = read(file, Question);
    if (!q) continue;
    if (questions.has(q.id)) problems.push({ file: rel(file), path: '$.id', message: `question "${q.id}" is defined twice` });
    questions.set(q.id, q);
    sources.set(`question:${q.id}`, rel(file));
  }

  const materials = read(join(rulesDir, 'materials.json'), Materials) ?? {};
  const contacts = read(join(rulesDir, 'contacts.json'), Contacts) ?? {};
  const systems = read(join(rulesDir, 'systems.json'), Systems) ?? [];
  const conditions = read(join(rulesDir, 'conditions.json'), SharedConditions) ?? {};
  const lexicon = read(join(dialogsDir, 'lexicon.json'), Lexicon);
  const phrases = read(join(dialogsDir, 'phrases.json'), Phrases) ?? [];
  const commands = read(join(dialogsDir, 'commands.json'), Commands);
  const concepts = read(join(dialogsDir, 'concepts.json'), Concepts);
  const lifecycle = loadLifecycles(root);
  problems.push(...lifecycle.problems);
  const contactWords = loadContactWords(root);
  problems.push(...contactWords.problems);
  const scrubWords = loadScrubWords(root);
  problems.push(...scrubWords.problems);
  for (const [key, file] of lifecycle.sources) sources.set(key, file);

  // The calendar folder is optional: without it the package's years are all there is.
  const calendarYears: { year: number; table: CalendarTable; source: string }[] = [];
  const calendarDir = join(rulesDir, 'calendar');
  for (const file of existsSync(calendarDir) ? jsonFiles(calendarDir) : []) {
    const y = read(file, CalendarYear);
    if (!y) continue;
    if (`${y.year}.json` !== file.split('/').pop()) problems.push({ file: rel(file), path: '$.year', message: `year ${y.year} does not match the file name` });
    const table: CalendarTable = { holidays: {}, workdays: {} };
    for (const h of y.holidays) for (let d = h.from; d <= h.to; d = nextDay(d)) table.holidays[d] = h.name;
    for (const w of y.workdays) table.workdays[w.date] = w.name;
    calendarYears.push({ year: y.year, table, source: rel(file) });
  }

  const locales = {} as Knowledge['locales'];
  for (const lng of LANGUAGES) {
    locales[lng] = {} as Knowledge['locales'][typeof lng];
    for (const ns of NAMESPACES) locales[lng][ns] = read(join(root, 'locales', lng, `${ns}.json`), LocaleTree) ?? {};
  }

  problems.push(...strayFiles(root));
  if (problems.length > 0 || !lexicon || !commands || !concepts || !contactWords.words || !scrubWords.words) throw new KnowledgeError(problems);

  const knowledge: Knowledge = {
    procedures,
    guides,
    materials: new Map(Object.entries(materials)),
    contacts,
    systems,
    rules,
    conditions,
    questions,
    lexicon,
    phrases,
    concepts,
    commands,
    lifecycles: lifecycle.lifecycles,
    contactWords: contactWords.words,
    scrubWords: scrubWords.words,
    locales,
    calendar: WorkingDayCalendar.withYears(calendarYears),
    sources,
  };
  const broken = referenceProblems(knowledge);
  if (broken.length > 0) throw new KnowledgeError(broken);
  return knowledge;
}
