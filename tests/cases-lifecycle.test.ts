import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CaseInputError, TransitionError } from '../src/cases/errors.js';
import { trackFor } from '../src/cases/lifecycle.js';
import { lifecycleKeys } from '../src/knowledge/lifecycle-check.js';
import type { CaseDesk } from '../src/conversation/case-desk.js';
import { StatusDialog } from '../src/conversation/status-dialog.js';
import { createI18n, translator } from '../src/i18n.js';
import { LANGUAGES } from '../src/knowledge/schema.js';
import { KnowledgeError } from '../src/knowledge/errors.js';
import { loadKnowledge, PROJECT_ROOT } from '../src/knowledge/load.js';
import { FIRST_OFFLINE, outcomeFor, service } from './cases-helpers.js';
import { knowledge } from './helpers.js';

beforeAll(() => nock.disableNetConnect());

const k = knowledge();
const copies: string[] = [];
afterEach(() => {
  for (const d of copies.splice(0)) rmSync(d, { recursive: true, force: true });
});

function brokenCopy(file: string, change: (json: any) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'ekey-lifecycle-'));
  copies.push(dir);
  for (const d of ['rules', 'dialogs', 'locales']) cpSync(join(PROJECT_ROOT, d), join(dir, d), { recursive: true });
  const path = join(dir, file);
  const json = JSON.parse(readFileSync(path, 'utf8'));
  change(json);
  writeFileSync(path, JSON.stringify(json));
  return dir;
}

function problems(dir: string): string {
  try {
    loadKnowledge(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(KnowledgeError);
    return (err as Error).message;
  }
  throw new Error('the broken lifecycle was accepted');
}

async function open(answers: Record<string, string>) {
  const { cases } = await service();
  return { cases, c: await cases.open({ outcome: await outcomeFor(answers), answers, lang: 'zh-CN', channel: 'test' }) };
}

describe('lifecycles', () => {
  it('follow every procedure, each by exactly one lifecycle', () => {
    const owners = [...k.procedures.keys()].map((id) => [...k.lifecycles.values()].filter((lc) => lc.procedures.includes(id)).map((lc) => lc.id));
    expect(owners.every((o) => o.length === 1)).toBe(true);
    expect(trackFor(k, []).lifecycle.id).toBe('advice');
  });

  it('time an outcome of two procedures by the one the issuing authority handles', () => {
    expect(trackFor(k, ['add-code-domestic', 'update-onsite'])).toMatchObject({ lifecycle: { id: 'onsite' }, tracked: 'update-onsite' });
    expect(trackFor(k, ['add-code-foreign', 'update-onsite'])).toMatchObject({ lifecycle: { id: 'onsite' }, tracked: 'add-code-foreign' });
    expect(trackFor(k, ['add-code-domestic'])).toMatchObject({ lifecycle: { id: 'filing' }, tracked: 'add-code-domestic' });
  });

  it('take an on-site case from the outcome to the key in hand, through a rejection and a resubmission', async () => {
    const { cases, c } = await open(FIRST_OFFLINE);
    expect(c.status).toBe('advised');
    const steps: [string, string?, string[]?][] = [
      ['submitted'],
      ['verification-failed', '营业执照副本复印件未盖公章', ['business-licence-copy']],
      ['submitted'],
      ['verified'],
      ['reviewed'],
      ['key-sent'],
      ['ready-for-pickup'],
      ['collected'],
    ];
    for (const [to, remark, resubmit] of steps) {
      const next = await cases.transition(c.reference, { to, agent: '李明', ...(remark ? { remark } : {}), ...(resubmit ? { resubmit } : {}) });
      expect(next.status).toBe(to);
    }
    const done = await cases.require(c.reference);
    expect(done.history.map((h) => h.status)).toEqual(['advised', ...steps.map((s) => s[0])]);
    expect(done.history[2]).toMatchObject({ status: 'verification-failed', remark: '营业执照副本复印件未盖公章', resubmit: ['business-licence-copy'], agent: '李明' });
    expect(cases.allowed(done)).toEqual([]);
  });

  it('refuse a status that may not follow, naming the ones that may', async () => {
    const { cases, c } = await open(FIRST_OFFLINE);
    const err = await cases.transition(c.reference, { to: 'collected', agent: 'A' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransitionError);
    expect((err as TransitionError).allowed).toEqual(['submitted', 'closed']);
    expect((await cases.require(c.reference)).status).toBe('advised');

    await cases.transition(c.reference, { to: 'submitted', agent: 'A' });
    await cases.transition(c.reference, { to: 'verified', agent: 'A' });
    await cases.transition(c.reference, { to: 'key-sent', agent: 'A' });
    const sent = await cases.transition(c.reference, { to: 'closed', agent: 'A', remark: 'x' }).catch((e: unknown) => e);
    expect((sent as TransitionError).allowed).toEqual(['ready-for-pickup']);
  });

  it('refuse anything after a final status', async () => {
    const { cases, c } = await open({ need: 'check-code' });
    expect(c.lifecycle).toBe('advice');
    await cases.transition(c.reference, { to: 'closed', agent: 'A' });
    const err = await cases.transition(c.reference, { to: 'advised', agent: 'A' }).catch((e: unknown) => e);
    expect((err as TransitionError).allowed).toEqual([]);
  });

  it('need a remark for a rejection or a closing, and resubmitted materials of the case only', async () => {
    const { cases, c } = await open(FIRST_OFFLINE);
    await cases.transition(c.reference, { to: 'submitted', agent: 'A' });
    await expect(cases.transition(c.reference, { to: 'verification-failed', agent: 'A' })).rejects.toMatchObject({ code: 'remarkRequired' });
    await expect(cases.transition(c.reference, { to: 'verification-failed', agent: 'A', remark: '  ' })).rejects.toMatchObject({ code: 'remarkRequired' });
    await expect(cases.transition(c.reference, { to: 'closed', agent: 'A' })).rejects.toMatchObject({ code: 'remarkRequired' });
    await expect(cases.transition(c.reference, { to: 'verification-failed', agent: 'A', remark: 'x', resubmit: ['key-to-unlock'] })).rejects.toMatchObject({
      code: 'unknownMaterial',
    });
    await expect(cases.transition(c.reference, { to: 'verified', agent: 'A', resubmit: ['application-form'] })).rejects.toMatchObject({ code: 'resubmitNotRejection' });
    const unknown = await cases.transition(c.reference, { to: 'flying', agent: 'A' }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(CaseInputError);
    expect((unknown as CaseInputError).allowed).toEqual(['verified', 'verification-failed', 'closed']);
  });

  it('revoke: verified, then revoked; online update: checked, then updated by the enterprise', async () => {
    const r = await open({ need: 'revoke' });
    for (const to of ['submitted', 'verified', 'revoked']) await r.cases.transition(r.c.reference, { to, agent: 'A' });
    expect((await r.cases.require(r.c.reference)).status).toBe('revoked');

    const answers = { need: 'update', expiry: 'within-60-days', keyColour: 'silver', hasCode: 'yes', onlineFailed: 'no' };
    const o = await open(answers);
    expect(o.c.lifecycle).toBe('online');
    await o.cases.transition(o.c.reference, { to: 'submitted', agent: 'A' });
    await o.cases.transition(o.c.reference, { to: 'check-failed', agent: 'A', remark: '确认函未盖章', resubmit: ['esign-confirmation'] });
    for (const to of ['submitted', 'check-passed', 'updated']) await o.cases.transition(o.c.reference, { to, agent: 'A' });
    expect((await o.cases.require(o.c.reference)).status).toBe('updated');
  });
});

describe('lifecycle texts', () => {
  it('say every status and its next step in both languages, each text used, none missing', () => {
    const i18n = createI18n(k);
    const missing: string[] = [];
    i18n.on('missingKey', (_l: readonly string[], ns: string, key: string) => missing.push(`${ns}:${key}`));
    const used = new Set<string>();
    const dialog = new StatusDialog(k, {} as CaseDesk);
    for (const lng of LANGUAGES) {
      const t = translator(i18n, lng);
      const recording = (key: string, params?: object) => {
        const context = (params as { context?: string } | undefined)?.context;
        used.add(context ? `${key}_${context}` : key);
        return t(key, params as never);
      };
      for (const lc of k.lifecycles.values())
        for (const s of lc.statuses)
          for (const tracked of lc.procedures.length ? lc.procedures : [undefined]) {
            const text = dialog.describe(
              {
                reference: 'EK-20261123-ABCDEF',
                lifecycle: lc.id,
                status: s.id,
                statusOn: '2026-11-23',
                procedures: tracked ? [tracked] : [],
                ...(tracked ? { tracked } : {}),
                courierToAuthority: false,
                expected: [],
                ...(s.stage ? { running: { stage: 'x', workingDays: 2, end: '2026-11-25', holidaysCounted: true } } : {}),
              },
              recording,
            );
            expect(text).not.toMatch(/lifecycle:|\{\{/);
            if (s.stage) expect(text, `${lc.id}.${s.id}`).toContain('2026-11-25');
          }
    }
    expect(missing).toEqual([]);
    for (const key of lifecycleKeys(k)) expect(used, key).toContain(key);
  });
});

describe('lifecycle files are checked at start-up', () => {
  it("accepts the project's own", () => {
    expect([...k.lifecycles.keys()].sort()).toEqual(['advice', 'filing', 'online', 'onsite', 'revoke']);
  });

  it('refuses a transition to a status that does not exist', () => {
    const dir = brokenCopy('rules/lifecycle/onsite.json', (j) => j.transitions.advised.push('teleported'));
    expect(problems(dir)).toContain('rules/lifecycle/onsite.json: $.transitions.advised[2]: no status "teleported"');
  });

  it('refuses a status nothing leads to, and one that leads nowhere', () => {
    const dir = brokenCopy('rules/lifecycle/revoke.json', (j) => {
      j.statuses.push({ id: 'orphan' });
      j.transitions.orphan = ['closed'];
      delete j.transitions['review-failed'];
    });
    const text = problems(dir);
    expect(text).toContain('"orphan" cannot be reached from "advised"');
    expect(text).toContain('"review-failed" is not final but nothing follows it');
  });

  it('refuses a rejection without a required remark, and a procedure followed twice or not at all', () => {
    const dir = brokenCopy('rules/lifecycle/onsite.json', (j) => {
      j.statuses.find((s: { id: string }) => s.id === 'verification-failed').remark = 'optional';
      j.procedures = j.procedures.filter((p: string) => p !== 'unlock').concat(['revoke']);
    });
    const text = problems(dir);
    expect(text).toContain('a rejection needs the remark');
    expect(text).toContain('procedure "unlock" is followed by no lifecycle');
    expect(text).toContain('procedure "revoke" is already followed by lifecycle');
  });

  it('refuses a stage a procedure does not have', () => {
    const dir = brokenCopy('rules/lifecycle/filing.json', (j) => {
      j.statuses[0].stage = 'authority';
    });
    expect(problems(dir)).toContain('status "advised" counts the authority\'s stage, but "add-code-domestic" has 0 stages of that actor');
  });

  it('refuses an unknown field, by the schema', () => {
    const dir = brokenCopy('rules/lifecycle/filing.json', (j) => {
      j.colour = 'red';
    });
    expect(problems(dir)).toMatch(/rules\/lifecycle\/filing\.json: \$: Unrecognized key/);
  });

  it('checks dialogs/contact.json, the words of the contact details dialogue, too', () => {
    expect(k.contactWords.skip).toContain('不');
    const dir = brokenCopy('dialogs/contact.json', (j) => {
      j.confirm.push('不');
    });
    expect(problems(dir)).toContain('dialogs/contact.json: $.confirm: words both skip and confirm: 不');
    const empty = brokenCopy('dialogs/contact.json', (j) => {
      j.skip = [];
    });
    expect(problems(empty)).toMatch(/dialogs\/contact\.json: \$\.skip:/);
  });

  it('refuses a status without its label and next step in both languages', () => {
    const dir = brokenCopy('locales/en/lifecycle.json', (j) => {
      delete j.onsite.statuses['key-sent_unlock'];
      j.onsite.statuses.collected = 'Collected';
    });
    const text = problems(dir);
    expect(text).toContain('locales/en/lifecycle.json: $.onsite.statuses.key-sent_unlock: missing text');
    expect(text).toContain('must keep the Chinese label "已领取电子钥匙"');
  });
});
