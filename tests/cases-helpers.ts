import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Consultation } from '../src/consult/consultation.js';
import type { Outcome } from '../src/consult/outcome.js';
import { FileCaseStore, type FileCaseStoreOptions } from '../src/cases/file-store.js';
import { CaseService } from '../src/cases/service.js';
import { checklistPath } from '../src/cases/checklist-link.js';
import type { App } from '../src/app.js';
import { knowledge } from './helpers.js';

const dirs: string[] = [];

/** A fresh data directory, removed after the test. */
export function tempDir(prefix = 'ekey-cases-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** An outcome for the given answers, as the consultation gives it. */
export async function outcomeFor(answers: Record<string, string>, details: Record<string, string> = {}): Promise<Outcome> {
  const step = await new Consultation(knowledge()).next(answers, details);
  if (step.kind !== 'outcome') throw new Error(`answers ${JSON.stringify(answers)} do not reach an outcome (next: ${step.question.id})`);
  return step.outcome;
}

export const FIRST_OFFLINE = { need: 'first', applyMode: 'offline', enterpriseType: 'domestic' };

/** A clock the test moves by hand. */
export function clock(iso: string) {
  let now = new Date(iso);
  return {
    now: () => new Date(now),
    set(next: string) {
      now = new Date(next);
    },
  };
}

export async function service(dir = tempDir(), now: () => Date = () => new Date(), options: FileCaseStoreOptions = {}) {
  const store = await FileCaseStore.open(dir, options);
  return { dir, store, cases: new CaseService(knowledge(), store, now) };
}

/** The checklist's address of a stored case, key included, as its link in the chat gives it; in the language asked. */
export async function checklistPathOf(app: App, reference: string, lang?: 'en' | 'zh-CN'): Promise<string> {
  const c = await app.ctx.cases?.get(reference);
  if (!c) throw new Error(`no case ${reference}`);
  return checklistPath(lang ? { ...c, lang } : c);
}

export const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');

/** `npm run cases -- …` in a process of its own, on a data folder, as an agent at the server runs it. */
export function casesCli(dataDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, ['src/cli/cases.ts', ...args], { cwd: process.cwd(), env: { ...process.env, EKEY_DATA_DIR: dataDir, LOG_LEVEL: 'silent' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
