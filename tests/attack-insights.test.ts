import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../src/config.js';
import { Scrubber } from '../src/insights/scrub.js';
import { InsightsStore } from '../src/insights/store.js';
import { knowledge } from './helpers.js';

const scrubber = new Scrubber(knowledge().scrubWords);

// Names are drawn from characters that the sentences around them never use, so that finding one in the
// output can only mean the name was kept.
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '欧阳', '司马', '诸葛'];
const GIVEN = [...'伟芳娜敏静秀英丽强磊洋艳勇军杰娟涛明超兰霞平刚桂建华志红玉萍鹏飞晓宇浩然子涵思雨梓轩'];
const surname = fc.constantFrom(...SURNAMES);
const given = fc.array(fc.constantFrom(...GIVEN), { minLength: 1, maxLength: 2 }).map((a) => a.join(''));
const chineseName = fc.tuple(surname, given).map(([s, g]) => s + g);
const PLACES = ['深圳', '宁波', '苏州', '青岛', '厦门', '东莞', '义乌', '天津'];
const WORDS = [...'华强鑫达盛源恒通宏远金桥瑞丰嘉信永泰'];
const company = fc.tuple(fc.constantFrom(...PLACES), fc.array(fc.constantFrom(...WORDS), { minLength: 2, maxLength: 4 })).map(([p, w]) => p + w.join(''));
const mobile = fc.tuple(fc.constantFrom('13', '15', '17', '18', '19'), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 })).map(([p, d]) => p + d.join(''));
const fullWidth = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));

const NAME_SENTENCES = ['我是{n}，钥匙丢了怎么办', '联系人：{n}，电话稍后给', '我叫{n}', '经办人{n}想问一下证书过期', '法定代表人是{n}，要签字吗', '姓名 {n} 需要带什么'];
const COMPANY_SENTENCES = ['我们是{c}，证书下个月到期', '我司{c}钥匙锁了', '公司名称：{c}，怎么补办', '企业名称是{c}'];

describe('the insights scrubber (item 10)', () => {
  it('takes out a Chinese name announced by a cue, whatever the name', () => {
    fc.assert(
      fc.property(chineseName, fc.constantFrom(...NAME_SENTENCES), (name, sentence) => {
        const out = scrubber.scrub(sentence.replace('{n}', name));
        expect(out).not.toContain(name);
        expect(out).not.toContain(name.slice(-1));
      }),
      { numRuns: 300 },
    );
  });

  it('takes out a surname given after 姓 and one before an honorific', () => {
    fc.assert(
      fc.property(surname, fc.constantFrom('先生', '女士', '经理', '老师'), (s, title) => {
        expect(scrubber.scrub(`我姓${s}，钥匙丢了`)).not.toContain(s);
        expect(scrubber.scrub(`请${s}${title}回电`)).not.toContain(s);
      }),
      { numRuns: 200 },
    );
  });

  it('takes out a company name without a legal suffix after a cue', () => {
    fc.assert(
      fc.property(company, fc.constantFrom(...COMPANY_SENTENCES), (c, sentence) => {
        const out = scrubber.scrub(sentence.replace('{c}', c));
        expect(out).not.toContain(c);
        expect(out).not.toMatch(new RegExp(`[${WORDS.join('')}]{2}`));
      }),
      { numRuns: 300 },
    );
  });

  it('takes out mobiles written in full-width digits or with dots, spaces, slashes and middle dots', () => {
    fc.assert(
      fc.property(mobile, fc.constantFrom('', '.', ' ', '-', '·', '/', '．'), fc.boolean(), (m, sep, wide) => {
        const written = `${m.slice(0, 3)}${sep}${m.slice(3, 7)}${sep}${m.slice(7)}`;
        const out = scrubber.scrub(`电话${wide ? fullWidth(written) : written}，钥匙丢了`);
        expect(out).not.toMatch(/\d{3}/);
        expect(out).not.toMatch(/[０-９]/);
        expect(out).toContain('钥匙丢了');
      }),
      { numRuns: 300 },
    );
  });

  it('takes out English names after a cue, and English company names', () => {
    const first = fc.constantFrom('John', 'Mary', 'Wei', 'Li', 'Anna', 'Peter');
    const last = fc.constantFrom('Smith', 'Zhang', 'Chen', 'Brown', 'Wang');
    fc.assert(
      fc.property(first, last, fc.constantFrom('My name is', 'this is', 'Contact person is', 'Mr.'), (f, l, cue) => {
        const out = scrubber.scrub(`${cue} ${f} ${l}, my key is lost`);
        expect(out).not.toContain(f);
        expect(out).not.toContain(l);
        expect(out).toContain('my key is lost');
      }),
    );
    expect(scrubber.scrub('we are Blue Harbour Trading, key locked')).not.toContain('Blue Harbour');
  });

  it('still leaves the words content owners need', () => {
    expect(scrubber.scrub('钥匙是银色的还是金色的')).toBe('钥匙是银色的还是金色的');
    expect(scrubber.scrub('i am confused about the PIN')).toBe('i am confused about the PIN');
  });
});

describe('insights are kept for EKEY_INSIGHTS_RETENTION_DAYS only (item 10)', () => {
  it('drops messages older than the retention from memory and from the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ekey-insights-keep-'));
    try {
      let now = new Date('2026-01-01T00:00:00Z');
      const store = await InsightsStore.open(dir, { scrubber, now: () => now });
      store.notUnderstood({ text: 'old question', lang: 'en' });
      await store.flush();
      now = new Date('2026-03-01T00:00:00Z');
      store.notUnderstood({ text: 'new question', lang: 'en' });
      await store.flush();
      expect(await store.expire(90)).toBe(0);
      now = new Date('2026-04-05T00:00:00Z');
      expect(await store.expire(90)).toBe(1);
      expect(store.snapshot().notUnderstood.map((e) => e.text)).toEqual(['new question']);
      expect(readFileSync(join(dir, 'insights.json'), 'utf8')).not.toContain('old question');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the retention is checked at start-up', () => {
    expect(ConfigSchema.parse({}).EKEY_INSIGHTS_RETENTION_DAYS).toBe(90);
    expect(() => ConfigSchema.parse({ EKEY_INSIGHTS_RETENTION_DAYS: '0' })).toThrow();
    expect(() => ConfigSchema.parse({ EKEY_INSIGHTS_RETENTION_DAYS: 'forever' })).toThrow();
  });
});
