import { describe, expect, it } from 'vitest';
import { Consultation } from '../src/consult/consultation.js';
import type { Outcome } from '../src/consult/outcome.js';
import { knowledge } from './helpers.js';

const c = new Consultation(knowledge());

async function outcome(answers: Record<string, string>, details: Record<string, string> = {}): Promise<Outcome> {
  const step = await c.next(answers, details);
  if (step.kind !== 'outcome') throw new Error(`expected an outcome for ${JSON.stringify(answers)}, got the question ${step.question.id}`);
  return step.outcome;
}
const ids = (o: Outcome) => o.procedures.map((p) => p.id);
const materials = (o: Outcome, id: string) => o.procedures.find((p) => p.id === id)!.materials.map((m) => m.material);
const silverWithCode = { need: 'update', keyColour: 'silver', hasCode: 'yes' };

describe('the decision points of the handbook', () => {
  it('expired -> on-site update, whatever the key', async () => {
    expect(ids(await outcome({ need: 'update', expiry: 'expired', hasCode: 'yes' }))).toEqual(['update-onsite']);
  });

  it('blue or green key -> on-site update', async () => {
    for (const keyColour of ['blue', 'green'])
      for (const expiry of ['within-60-days', 'more-than-60-days']) expect(ids(await outcome({ need: 'update', expiry, keyColour, hasCode: 'yes' }))).toEqual(['update-onsite']);
  });

  it('no 18-digit code -> on-site update, and for a domestic enterprise the MOFCOM platform change first', async () => {
    const domestic = await outcome({ need: 'update', expiry: 'within-60-days', hasCode: 'no', enterpriseType: 'domestic' });
    expect(ids(domestic)).toEqual(['add-code-domestic', 'update-onsite']);
    expect(domestic.procedures[0]!.contacts.map((x) => x.id)).toContain('mofcomPlatform');
    const foreign = await outcome({ need: 'update', expiry: 'expired', hasCode: 'no', enterpriseType: 'foreign' });
    expect(ids(foreign)).toEqual(['add-code-foreign', 'update-onsite']);
  });

  it('a failed online update -> on-site update', async () => {
    expect(ids(await outcome({ ...silverWithCode, expiry: 'within-60-days', onlineFailed: 'yes' }))).toEqual(['update-onsite']);
  });

  it('silver key, code present, within 60 days, no failure -> online update with its own contacts and no paper', async () => {
    const o = await outcome({ ...silverWithCode, expiry: 'within-60-days', onlineFailed: 'no' });
    expect(ids(o)).toEqual(['update-online']);
    expect(o.procedures[0]!.contacts.map((x) => x.id)).toContain('onlineUpdate');
    expect(o.procedures[0]!.materials.every((m) => !m.bring && m.upload?.maxKB === 200)).toBe(true);
  });

  it('more than 60 days before expiry -> not yet, with the date from which online update can be applied for', async () => {
    const o = await outcome({ ...silverWithCode, expiry: 'more-than-60-days' }, { expiryDate: '2027-06-30' });
    expect(ids(o)).toEqual([]);
    expect(o.notYet).toEqual({ procedure: 'update-online', daysBeforeExpiry: 60, expiryDate: '2027-06-30', availableFrom: '2027-05-01' });
    const noDate = await outcome({ ...silverWithCode, expiry: 'more-than-60-days' });
    expect(noDate.notYet).toEqual({ procedure: 'update-online', daysBeforeExpiry: 60 });
  });

  it('chooses exactly one of 备案登记表 / 批准证书 by enterprise type, in every procedure that has the choice', async () => {
    const cases: Record<string, string>[] = [
      { need: 'first', applyMode: 'online' },
      { need: 'first', applyMode: 'offline' },
      { need: 'replace', lossKind: 'lost' },
      { need: 'additional' },
    ];
    for (const base of cases) {
      const d = await outcome({ ...base, enterpriseType: 'domestic' });
      const f = await outcome({ ...base, enterpriseType: 'foreign' });
      const id = ids(d)[0]!;
      expect(materials(d, id)).toContain('filing-form-copy');
      expect(materials(d, id)).not.toContain('approval-certificate-copy');
      expect(materials(f, id)).toContain('approval-certificate-copy');
      expect(materials(f, id)).not.toContain('filing-form-copy');
    }
  });

  it('material lists differ as the reading notes say', async () => {
    expect(materials(await outcome({ need: 'update', expiry: 'expired', hasCode: 'yes' }), 'update-onsite')).toEqual([
      'application-form',
      'esign-confirmation',
      'business-licence-copy',
      'authorised-user-id-copy',
      'power-of-attorney',
      'key-to-update',
    ]);
    expect(materials(await outcome({ need: 'unlock', lockKind: 'pin' }), 'unlock')).toEqual(['application-form', 'key-to-unlock']);
    expect(materials(await outcome({ need: 'revoke' }), 'revoke')).toEqual(['application-form']);
  });

  it('gives default passwords only where the handbook does, and for a login password question', async () => {
    expect((await outcome({ need: 'unlock', lockKind: 'pin' })).procedures[0]!.passwords).toEqual([]);
    expect((await outcome({ need: 'revoke' })).procedures[0]!.passwords).toEqual([]);
    expect((await outcome({ need: 'additional', enterpriseType: 'domestic' })).procedures[0]!.passwords.map((p) => p.password)).toEqual(['99999999', '99999999', 'Tecimp1']);
    const login = await outcome({ need: 'unlock', lockKind: 'login' });
    expect(ids(login)).toEqual([]);
    expect(login.passwords?.map((p) => p.password)).toEqual(['99999999', '99999999', 'Tecimp1']);
  });

  it('relates a lost key to revocation and a code change to the on-site update', async () => {
    expect((await outcome({ need: 'replace', lossKind: 'lost', enterpriseType: 'domestic' })).procedures[0]!.related).toEqual(['revoke']);
    expect((await outcome({ need: 'add-code', enterpriseType: 'domestic' })).procedures[0]!.related).toEqual(['update-onsite']);
    expect((await outcome({ need: 'add-code', enterpriseType: 'foreign' })).procedures[0]!.related).toEqual(['update-onsite']);
    const expired = await outcome({ need: 'update', expiry: 'expired', hasCode: 'yes' });
    expect(expired.procedures[0]!.related).toEqual(['add-code-domestic', 'add-code-foreign']);
  });

  it('keeps the notes the handbook insists on', async () => {
    const notes = async (a: Record<string, string>) => (await outcome(a)).procedures.flatMap((p) => p.notes);
    expect(await notes({ need: 'first', applyMode: 'online', enterpriseType: 'domestic' })).toContain('user-name');
    expect(await notes({ need: 'replace', lossKind: 'damaged', enterpriseType: 'domestic' })).toContain('user-name');
    expect(await notes({ need: 'additional', enterpriseType: 'foreign' })).toContain('user-name');
    expect(await notes({ ...silverWithCode, expiry: 'within-60-days', onlineFailed: 'no' })).toEqual(expect.arrayContaining(['ie-browser', 'keep-key-inserted', 'window']));
    expect(await notes({ need: 'unlock', lockKind: 'pin' })).toEqual(expect.arrayContaining(['pin-lock', 'not-login-password']));
    expect(await notes({ need: 'add-code', enterpriseType: 'foreign' })).toContain('combine-with-update');
  });

  it('answers "how do I check the code" with the 4.3.1 guide', async () => {
    const o = await outcome({ need: 'check-code' });
    expect(o.guide?.id).toBe('check-code');
    expect(o.guide?.section).toBe('4.3.1');
  });
});
