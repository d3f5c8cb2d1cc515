import { describe, expect, it } from 'vitest';
import { filterIds, FilterWordError } from '../src/cases/filter-words.js';
import { ListQuery, toCaseQuery } from '../src/cases/requests.js';
import { FileCaseStore } from '../src/cases/file-store.js';
import { CaseService } from '../src/cases/service.js';
import { type CaseQuery, matchesQuery, phoneDigits } from '../src/cases/store.js';
import { createI18n, translator } from '../src/i18n.js';
import { clock, FIRST_OFFLINE, outcomeFor, service, tempDir } from './cases-helpers.js';
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

describe('the search over segments counted from their index', () => {
  /** 30 cases over three Beijing days in segments of 4 (days and kinds mixed within segments), moved, called back, given contacts. */
  async function mixed(dir = tempDir()) {
    const time = clock('2026-11-29T02:00:00Z');
    const store = await FileCaseStore.open(dir, { segmentCapacity: 4 });
    const cases = new CaseService(k, store, time.now);
    const first = await outcomeFor(FIRST_OFFLINE);
    const revoke = await outcomeFor({ need: 'revoke' });
    const made: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      if (i === 9) time.set('2026-11-30T02:00:00Z');
      if (i === 21) time.set('2026-12-01T02:00:00Z');
      const c =
        i % 3 === 0
          ? await cases.open({ outcome: revoke, answers: { need: 'revoke' }, lang: 'en', channel: 'web' })
          : await cases.open({ outcome: first, answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'wechat' });
      if (i % 4 === 1) await cases.transition(c.reference, { to: 'submitted', agent: '王芳' });
      if (i % 5 === 2) await cases.requestCallback(c.reference);
      if (i % 7 === 3) await cases.setContact(c.reference, { enterpriseName: `天津示例${i}有限公司`, mobile: `1381234${String(1000 + i)}` });
      made.push(c.reference);
    }
    return { store, cases, made };
  }

  const queries: Omit<CaseQuery, 'offset' | 'limit'>[] = [
    {},
    { status: 'advised' },
    { status: ['submitted', 'advised'], procedure: 'revoke' },
    { procedure: 'no-such-procedure' },
    { callback: true },
    { callback: false, status: 'submitted' },
    { withContact: true },
    { from: '2026-11-30' },
    { from: '2026-11-30', to: '2026-11-30', status: 'advised' },
    { to: '2026-11-29', procedure: 'revoke' },
    { text: '天津示例' },
    { text: '138 1234 10', status: 'advised' },
    { text: '天津', from: '2026-11-30' },
    { text: '示例1' },
    { text: '示例24有限' },
    { text: '不存在的企业' },
  ];

  it('finds, counts and pages exactly what a look at every case finds', async () => {
    const { store, made } = await mixed();
    const newestFirst = await Promise.all([...made].reverse().map(async (ref) => (await store.get(ref))!));
    const byReference = [{ text: made[5]! }, { text: made[5]!.toLowerCase(), status: 'submitted' }, { text: made[5]!, status: 'advised' }, { text: made[29]!, from: '2026-12-02' }];
    for (const q of [...queries, ...byReference]) {
      const expected = newestFirst.filter((c) => matchesQuery(c, { ...q, offset: 0, limit: 0 })).map((c) => c.reference);
      expect(expected.length, JSON.stringify(q)).toBeLessThan(made.length + 1);
      for (let offset = 0; offset <= expected.length; offset += 1)
        for (const limit of [1, 3, 50]) {
          const page = await store.list({ ...q, offset, limit });
          expect(page.total, JSON.stringify({ q, offset, limit })).toBe(expected.length);
          expect(
            page.items.map((c) => c.reference),
            JSON.stringify({ q, offset, limit }),
          ).toEqual(expected.slice(offset, offset + limit));
        }
    }
    // The queries reach both sides: some find nothing, some most cases.
    expect((await store.list({ offset: 0, limit: 1, procedure: 'no-such-procedure' })).total).toBe(0);
    expect((await store.list({ offset: 0, limit: 1, status: 'advised' })).total).toBeGreaterThan(15);
  });

  it('answers a repeated search with what changed since, in this process or another', async () => {
    const dir = tempDir();
    const { store, cases, made } = await mixed(dir);
    const q = { status: 'submitted', offset: 0, limit: 50 };
    const before = await store.list(q);
    const moved = made.find((ref) => !before.items.some((c) => c.reference === ref))!;
    await cases.transition(moved, { to: 'submitted', agent: '王芳' });
    const after = await store.list(q);
    expect(after.total).toBe(before.total + 1);
    expect(after.items.map((c) => c.reference)).toContain(moved);
    // A copy each time: changing what was returned changes nothing stored.
    after.items[0]!.status = 'collected';
    expect((await store.list(q)).items[0]!.status).toBe('submitted');

    const other = await FileCaseStore.open(dir, { segmentCapacity: 4 });
    await new CaseService(k, other).transition(moved, { to: 'verification-failed', agent: '李', remark: '申请表未签字' });
    await other.close();
    expect((await store.list(q)).total).toBe(before.total);
    expect((await store.list({ text: '申请表未签字', offset: 0, limit: 5 })).items.map((c) => c.reference)).toEqual([moved]);
  });
});
