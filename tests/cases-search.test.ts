import { describe, expect, it } from 'vitest';
import { filterIds, FilterWordError } from '../src/cases/filter-words.js';
import { ListQuery, toCaseQuery } from '../src/cases/requests.js';
import { phoneDigits } from '../src/cases/store.js';
import { createI18n, translator } from '../src/i18n.js';
import { clock, FIRST_OFFLINE, outcomeFor, service } from './cases-helpers.js';
import { knowledge } from './helpers.js';

/** Issue 14: the agents' search (the API's and the CLI's `text=`, and the procedure, status and date filters). */
const k = knowledge();
const i18n = createI18n(k);
const words = (lang: 'zh-CN' | 'en') => translator(i18n, lang);
const name = (kind: 'procedure' | 'status', word: string) => filterIds(k, words, kind, word);

async function seeded() {
  // 23:30 Beijing on 1 December is 15:30 UTC; 00:30 Beijing on 2 December is 16:30 UTC on 1 December.
  const time = clock('2026-12-01T15:30:00Z');
  const s = await service(undefined, time.now);
  const first = await outcomeFor(FIRST_OFFLINE);
  const replacementAnswers = { need: 'replace', lossKind: 'lost', enterpriseType: 'domestic' };
  const replacement = await outcomeFor(replacementAnswers);
  const late = await s.cases.open({ outcome: first, answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'wechat' });
  await s.cases.setContact(late.reference, { enterpriseName: '天津滨海示例进出口有限公司', creditCode: '91120116MA05K1234X', mobile: '13812345678' });
  time.set('2026-12-01T16:30:00Z');
  const early = await s.cases.open({ outcome: replacement, answers: replacementAnswers, lang: 'en', channel: 'web' });
  await s.cases.setContact(early.reference, { enterpriseName: 'Shanghai Example Trading', mobile: '13900001111' });
  await s.cases.transition(early.reference, { to: 'submitted', agent: '王芳' });
  const search = async (query: Record<string, string>) => {
    const q = ListQuery.parse(query);
    return (await s.cases.list(toCaseQuery(q, name))).items.map((c) => c.reference);
  };
  return { ...s, late: late.reference, early: early.reference, search };
}

describe('the text search', () => {
  it('finds a mobile number as people write it, and a part of it', async () => {
    const { late, early, search } = await seeded();
    for (const text of [
      '13812345678',
      '138 1234 5678',
      '138-1234-5678',
      '+86 138 1234 5678',
      '+86-13812345678',
      '0086 13812345678',
      '８６１３８１２３４５６７８',
      '１３８ １２３４ ５６７８',
      '(138) 1234-5678',
      '5678',
      '1234 56',
    ])
      expect(await search({ text }), text).toEqual([late]);
    expect(await search({ text: '139-0000' })).toEqual([early]);
    expect(await search({ text: '137 0000 0000' })).toEqual([]);
  });

  it('finds a reference as typed, a part of the enterprise name, and a credit code in any case', async () => {
    const { late, early, search } = await seeded();
    expect(await search({ text: late.toLowerCase().replaceAll('-', ' ') })).toEqual([late]);
    expect(await search({ text: late.slice(-6).toLowerCase() })).toEqual([late]);
    expect(await search({ text: '滨海示例' })).toEqual([late]);
    expect(await search({ text: 'example trading' })).toEqual([early]);
    expect(await search({ text: '91120116ma05k1234x' })).toEqual([late]);
    expect(await search({ text: 'MA05K' })).toEqual([late]);
    expect(await search({ text: '王芳' })).toEqual([early]);
  });
});

describe('the text search after a change', () => {
  it("sees a case's new contact details and no longer its old ones", async () => {
    const { late, search, cases } = await seeded();
    expect(await search({ text: '滨海示例' })).toEqual([late]);
    await cases.setContact(late, { enterpriseName: '北京另一示例有限公司', mobile: '13700007777' });
    expect(await search({ text: '滨海示例' })).toEqual([]);
    expect(await search({ text: '138 1234 5678' })).toEqual([]);
    expect(await search({ text: '另一示例' })).toEqual([late]);
    expect(await search({ text: '137-0000-7777' })).toEqual([late]);
  });
});

describe('the procedure and status filters', () => {
  it('take an id or the words of either language', async () => {
    const { late, early, search } = await seeded();
    for (const procedure of ['replacement', '补办', '补办电子钥匙', 'E-key replacement', 'REPLACEMENT']) expect(await search({ procedure }), procedure).toEqual([early]);
    for (const procedure of ['first-offline', '线下申请', 'offline application']) expect(await search({ procedure }), procedure).toEqual([late]);
    expect(await search({ procedure: '首次申领' })).toEqual([late]);
    for (const status of ['submitted', '已递交材料', '核验中', 'Materials submitted']) expect(await search({ status }), status).toContain(early);
    for (const status of ['advised', '待递交材料', 'Guidance given']) expect(await search({ status }), status).toEqual([late]);
  });

  it('map a word to every id it names, and refuse a word that names none', () => {
    expect(name('status', '核验未通过').sort()).toEqual(['check-failed', 'verification-failed']);
    expect(name('procedure', '18位代码').sort()).toEqual(['add-code-domestic', 'add-code-foreign']);
    expect(() => name('procedure', '办护照')).toThrow(FilterWordError);
  });
});

describe('the date filters', () => {
  it('select by the Beijing creation date, late in the evening and just after midnight', async () => {
    const { late, early, search, cases } = await seeded();
    expect((await cases.require(late)).createdAt.slice(0, 10)).toBe('2026-12-01');
    expect((await cases.require(early)).createdAt.slice(0, 10)).toBe('2026-12-01');
    expect(await search({ from: '2026-12-01', to: '2026-12-01' })).toEqual([late]);
    expect(await search({ from: '2026-12-02', to: '2026-12-02' })).toEqual([early]);
    expect(await search({ to: '2026-11-30' })).toEqual([]);
  });
});

describe('phoneDigits', () => {
  it('reads only what is written as a number', () => {
    expect(phoneDigits('+86 138-1234-5678')).toBe('13812345678');
    expect(phoneDigits('８６１３８１２３４５６７８')).toBe('13812345678');
    expect(phoneDigits('天津 138')).toBeUndefined();
    expect(phoneDigits('12')).toBeUndefined();
  });
});
