import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KnowledgeError } from '../src/knowledge/errors.js';
import { loadKnowledge, PROJECT_ROOT } from '../src/knowledge/load.js';

const copies: string[] = [];

/** A copy of the knowledge folders that a test may break. */
function copy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ekey-knowledge-'));
  for (const d of ['rules', 'dialogs', 'locales']) cpSync(join(PROJECT_ROOT, d), join(dir, d), { recursive: true });
  copies.push(dir);
  return dir;
}

function edit(dir: string, file: string, change: (json: any) => void): void {
  const path = join(dir, file);
  const json = JSON.parse(readFileSync(path, 'utf8'));
  change(json);
  writeFileSync(path, JSON.stringify(json));
}

function problems(dir: string): string {
  try {
    loadKnowledge(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(KnowledgeError);
    return (err as Error).message;
  }
  throw new Error('the broken knowledge was accepted');
}

afterEach(() => {
  for (const d of copies.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('loading the knowledge', () => {
  it("accepts the project's own files", () => {
    const k = loadKnowledge();
    expect(k.procedures.size).toBe(10);
    expect(k.rules.length).toBeGreaterThan(10);
  });

  it('names the file when it is not JSON', () => {
    const dir = copy();
    writeFileSync(join(dir, 'rules/procedures/revoke.json'), '{ "id": "revoke", ');
    expect(problems(dir)).toMatch(/^rules\/procedures\/revoke\.json: \$: not valid JSON/m);
  });

  it('refuses a file it would not read, wherever it lies: a misspelt or misplaced file is never ignored', () => {
    const dir = copy();
    mkdirSync(join(dir, 'rules/procedures/old'));
    writeFileSync(join(dir, 'rules/extra.json'), '{not json');
    writeFileSync(join(dir, 'dialogs/question.json'), '{}');
    writeFileSync(join(dir, 'locales/en/messages.json'), '{}');
    writeFileSync(join(dir, 'rules/procedures/old/revoke.json'), '{}');
    writeFileSync(join(dir, 'rules/procedures/notes.txt'), 'x');
    const said = problems(dir);
    for (const f of ['rules/extra.json', 'dialogs/question.json', 'locales/en/messages.json', 'rules/procedures/old/revoke.json', 'rules/procedures/notes.txt'])
      expect(said).toContain(`${f}: $: no knowledge file of this name or place is read`);
  });

  it('names the file and the JSON path of a value of the wrong shape', () => {
    const dir = copy();
    edit(dir, 'rules/procedures/unlock.json', (p) => (p.stages[1].workingDays = 'five'));
    expect(problems(dir)).toMatch(/rules\/procedures\/unlock\.json: \$\.stages\[1\]\.workingDays: /);
  });

  it('refuses a step given to an unknown actor', () => {
    const dir = copy();
    edit(dir, 'rules/procedures/revoke.json', (p) => (p.steps[0].actor = 'bank'));
    expect(problems(dir)).toMatch(/revoke\.json: \$\.steps\[0\]\.actor/);
  });

  it('refuses a rule that compares a question with an answer it does not have', () => {
    const dir = copy();
    edit(dir, 'rules/decisions/update.json', (rules) => (rules[0].conditions.all[1].value = 'maybe'));
    expect(problems(dir)).toMatch(/rules\/decisions\/update\.json: update-no-code-domestic\.conditions\.all\[1\]\.value: "maybe" is not an answer of question "hasCode"/);
  });

  it('refuses an outcome naming a procedure that does not exist', () => {
    const dir = copy();
    edit(dir, 'rules/decisions/code-and-revoke.json', (rules) => (rules[3].event.params.procedures = ['revoke-all']));
    expect(problems(dir)).toMatch(/no procedure "revoke-all"/);
  });

  it('refuses a material or contact that is not in the catalogue', () => {
    const dir = copy();
    edit(dir, 'rules/procedures/revoke.json', (p) => {
      p.materials[0].material = 'seal';
      p.contacts.push('fax');
    });
    const message = problems(dir);
    expect(message).toContain('no material "seal"');
    expect(message).toContain('no contact "fax"');
  });

  it('refuses a text missing in one language, with its file and key', () => {
    const dir = copy();
    edit(dir, 'locales/en/procedures.json', (p) => delete p.revoke.notes['when-revoke']);
    expect(problems(dir)).toContain('locales/en/procedures.json: $.revoke.notes.when-revoke: missing text');
  });

  it('refuses a text nothing uses', () => {
    const dir = copy();
    edit(dir, 'locales/zh-CN/materials.json', (m) => (m['company-seal'] = '公章'));
    expect(problems(dir)).toContain('locales/zh-CN/materials.json: $.company-seal: text is used by nothing');
  });

  it('refuses an English document name without its Chinese name', () => {
    const dir = copy();
    edit(dir, 'locales/en/materials.json', (m) => (m['power-of-attorney'] = 'Power of attorney'));
    expect(problems(dir)).toContain('must keep the Chinese name "授权用户的授权委托书"');
  });

  it('refuses placeholders that differ between languages and contacts that do not exist', () => {
    const dir = copy();
    edit(dir, 'locales/en/procedures.json', (p) => (p.revoke.steps['download-form'] = 'Download the form from {{contact.website}}.'));
    const message = problems(dir);
    expect(message).toContain('no contact "website"');
    expect(message).toContain('placeholders differ from zh-CN');
  });

  it('refuses a question no rule uses', () => {
    const dir = copy();
    writeFileSync(
      join(dir, 'dialogs/questions/colour2.json'),
      JSON.stringify({
        id: 'mood',
        order: 99,
        kind: 'choice',
        options: [
          { value: 'a', synonyms: [] },
          { value: 'b', synonyms: [] },
        ],
      }),
    );
    expect(problems(dir)).toContain('question "mood" is used by no rule');
  });

  it('reports a missing folder', () => {
    const dir = copy();
    rmSync(join(dir, 'rules/guides'), { recursive: true });
    expect(problems(dir)).toContain('rules/guides: $: folder is missing');
  });
});
