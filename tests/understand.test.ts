import { describe, expect, it } from 'vitest';
import { addDays } from '../src/dates/beijing.js';
import { findDate } from '../src/understand/dates.js';
import { type Entry, findMatches } from '../src/understand/lexicon-index.js';
import { normalise } from '../src/understand/normalise.js';
import { readOrdinal } from '../src/understand/ordinal.js';
import { type UnderstandContext, Understander } from '../src/understand/understand.js';
import { knowledge, TODAY } from './helpers.js';

const understander = new Understander(knowledge());
const at = (pending?: string): UnderstandContext => ({ pending, today: TODAY });
/** Answers and implied answers together, as the conversation will use them. */
const heard = (text: string, pending?: string) => {
  const u = understander.understand(text, at(pending));
  return { ...u.implied, ...u.answers };
};

describe('normalise', () => {
  it('turns full-width letters and digits into half-width ones', () => {
    expect(normalise('ＵＫＥＹ　ＰＩＮ１２３')).toBe('ukey pin123');
  });

  it('turns traditional characters (Hong Kong and Taiwan forms) into simplified ones', () => {
    expect(normalise('電子鑰匙遺失，證書過期')).toBe('电子钥匙遗失 证书过期');
    expect(normalise('裡面有沒有18位代碼')).toBe('里面有没有18位代码');
  });

  it('lower-cases, turns Chinese and ASCII punctuation into single spaces and trims', () => {
    expect(normalise('  Key  LOST！！请问，怎么办？ ')).toBe('key lost 请问 怎么办');
    expect(normalise('「证书」（已过期）')).toBe('证书 已过期');
  });
});

describe('matching', () => {
  const entry = (pattern: string, fact: string, value: string, onlyFor?: string): Entry => ({
    pattern,
    wordBound: /^[\x20-\x7e]+$/.test(pattern),
    meaning: { answers: { [fact]: value }, implied: {}, onlyFor },
  });

  it('takes the longest pattern at a place: "没有18位" wins over the "有18位" inside it', () => {
    const entries = [entry('有18位', 'hasCode', 'yes'), entry('没有18位', 'hasCode', 'no')];
    const found = findMatches('证书里没有18位代码', entries, undefined);
    expect(found.map((m) => m.entry.pattern)).toEqual(['没有18位']);
    expect(heard('证书里没有18位代码')).toEqual({ hasCode: 'no' });
    expect(heard('证书里有18位代码')).toEqual({ hasCode: 'yes' });
  });

  it('keeps ASCII patterns to whole words: "no" is not in "know", "pin" is not in "pinyin"', () => {
    const entries = [entry('no', 'hasCode', 'no'), entry('pin', 'lockKind', 'pin')];
    expect(findMatches('i know pinyin', entries, undefined)).toEqual([]);
    expect(findMatches('no pin', entries, undefined)).toHaveLength(2);
    expect(heard('I know how to read it', 'hasCode')).toEqual({});
    expect(heard('no', 'hasCode')).toEqual({ hasCode: 'no' });
  });

  it('takes every answer of one sentence, across questions', () => {
    expect(heard('外资企业，证书下个月到期，钥匙是银色的')).toEqual({ enterpriseType: 'foreign', expiry: 'within-60-days', keyColour: 'silver', need: 'update' });
  });

  it('lets an answer said outright win over one only implied', () => {
    const u = understander.understand('钥匙坏了，不想补了，直接注销', at());
    expect(u.answers).toEqual({ lossKind: 'damaged', need: 'revoke' });
    expect(u.implied).toEqual({ need: 'replace' });
  });
});

describe('option numbers', () => {
  const { ordinalWords, ordinalSuffixes } = knowledge().lexicon;

  it('reads a whole message that is only a number, in its usual forms', () => {
    for (const [text, n] of [
      ['2', 2],
      ['第二个', 2],
      ['选3', 3],
      ['option 2', 2],
      ['#1', 1],
      ['第3个吧', 3],
      ['十', 10],
    ] as const)
      expect(readOrdinal(normalise(text), ordinalWords, ordinalSuffixes), text).toBe(n);
    expect(readOrdinal('我有2把钥匙', ordinalWords, ordinalSuffixes)).toBeUndefined();
  });

  it('answer only the question being asked', () => {
    expect(heard('2')).toEqual({});
    expect(heard('2', 'keyColour')).toEqual({ keyColour: 'blue' });
    expect(heard('第二个', 'enterpriseType')).toEqual({ enterpriseType: 'foreign' });
    expect(heard('２', 'applyMode')).toEqual({ applyMode: 'offline' });
  });

  it('answer nothing when out of range or inside a sentence', () => {
    expect(heard('9', 'keyColour')).toEqual({});
    expect(heard('我们有2把钥匙', 'keyColour')).toEqual({});
  });

  it('carry what the chosen option implies, as its synonyms and its button do', () => {
    expect(heard('1', 'expiry')).toEqual({ expiry: 'expired', need: 'update' });
    expect(heard('2', 'lossKind')).toEqual({ lossKind: 'damaged', need: 'replace' });
  });

  it('ask again for an option that shows a guide ("不知道")', () => {
    const u = understander.understand('3', at('hasCode'));
    expect(u.answers).toEqual({});
    expect(u.reask).toEqual({ fact: 'hasCode', guide: 'check-code' });
  });
});

describe('yes and no', () => {
  it('answer only the yes/no question being asked', () => {
    expect(heard('有', 'hasCode')).toEqual({ hasCode: 'yes' });
    expect(heard('没有', 'hasCode')).toEqual({ hasCode: 'no' });
    expect(heard('对', 'onlineFailed')).toEqual({ onlineFailed: 'yes', need: 'update' });
    expect(heard('有')).toEqual({});
    expect(heard('对', 'keyColour')).toEqual({});
    expect(heard('没有', 'enterpriseType')).toEqual({});
  });

  it('read a hedged no as no ("应该是没有") and a Cantonese no ("冇")', () => {
    expect(heard('应该是没有', 'hasCode')).toEqual({ hasCode: 'no' });
    expect(heard('冇', 'hasCode')).toEqual({ hasCode: 'no' });
  });

  it('"不知道" asks again with the guide, only for its question, and not when an answer follows', () => {
    expect(understander.understand('不知道', at('hasCode')).reask).toEqual({ fact: 'hasCode', guide: 'check-code' });
    expect(understander.understand('不知道', at()).reask).toBeUndefined();
    const u = understander.understand('不知道，应该有吧', at('hasCode'));
    expect(u.reask).toBeUndefined();
    expect(u.answers).toEqual({ hasCode: 'yes' });
  });
});

describe('dates', () => {
  const expiry = (text: string, pending?: string) => understander.understand(text, at(pending));

  it('read the usual date forms', () => {
    for (const text of ['2027-03-31', '2027/3/31', '2027.03.31', '2027年3月31日', '2027年3月31号', '31 March 2027', 'March 31, 2027', '２０２７年３月３１日'])
      expect(findDate(text.normalize('NFKC'), '2026-11-23'), text).toEqual({ kind: 'date', date: '2027-03-31' });
    expect(findDate('no date here', '2026-11-23')).toEqual({ kind: 'none' });
  });

  it('read a day-first date only where the day cannot be a month', () => {
    expect(findDate('15/01/2027', '2026-11-23')).toEqual({ kind: 'date', date: '2027-01-15' });
    expect(findDate('03/04/2027', '2026-11-23')).toEqual({ kind: 'none' });
  });

  it('read a month and day without a year as the nearest such day', () => {
    expect(findDate('12月10日到期', '2026-11-23')).toEqual({ kind: 'date', date: '2026-12-10' });
    expect(findDate('11月1日过期的', '2026-11-23')).toEqual({ kind: 'date', date: '2026-11-01' });
    expect(findDate('3月5号', '2026-11-23')).toEqual({ kind: 'date', date: '2027-03-05' });
    expect(findDate('2月30日', '2026-11-23')).toEqual({ kind: 'invalid', text: '2月30日' });
  });

  it('place a valid date in its band and keep the date', () => {
    const u = expiry('证书2027-03-31到期');
    expect(u.answers.expiry).toBe('more-than-60-days');
    expect(u.details).toEqual({ expiryDate: '2027-03-31' });
    expect(u.implied).toEqual({ need: 'update' });
  });

  it('band by days from today: past -> expired, 30 days -> within 60 days, 120 days -> more than 60 days', () => {
    const band = (days: number) => expiry(addDays(TODAY, days), 'expiry').answers.expiry;
    expect(band(-1)).toBe('expired');
    expect(band(-400)).toBe('expired');
    expect(band(0)).toBe('within-60-days');
    expect(band(30)).toBe('within-60-days');
    expect(band(60)).toBe('within-60-days');
    expect(band(61)).toBe('more-than-60-days');
    expect(band(120)).toBe('more-than-60-days');
  });

  it('report an impossible date instead of guessing', () => {
    const u = expiry('证书2027-02-30到期');
    expect(u.invalidDate).toEqual({ fact: 'expiry', text: '2027-02-30' });
    expect(u.answers.expiry).toBeUndefined();
    expect(expiry('2026年13月1日', 'expiry').invalidDate?.fact).toBe('expiry');
  });

  it('never read the digits of a date as an option number', () => {
    expect(heard('2027-01-15', 'keyColour')).toEqual({ expiry: 'within-60-days', need: 'update' });
  });

  it('read a month or a year said of an expiry as its days, answering only when they all fall in one band', () => {
    // Today 2026-11-23: March 2028 and the whole of 2028 lie beyond 60 days, 2025 behind.
    for (const text of ['证书2028年3月到期', '证书2028-03到期', 'the certificate expires in March 2028', '证书2028年才到期', 'it expires in 2028']) {
      const u = expiry(text);
      expect(u.answers.expiry, text).toBe('more-than-60-days');
      // The day is not known: no date is kept, and the outcome names none.
      expect(u.details, text).toEqual({});
    }
    expect(expiry('证书2025年就过期了').answers.expiry).toBe('expired');
    expect(expiry('证书2026年12月到期').answers.expiry).toBe('within-60-days');
    // January 2027 runs from 39 to 69 days ahead, across the 60-day line: the question is asked.
    expect(expiry('证书2027年1月到期').answers.expiry).toBeUndefined();
    expect(expiry('证书2026年13月到期').invalidDate?.fact).toBe('expiry');
    // A month of next year, or of this one, said in words.
    expect(expiry('還沒過期，明年八月才到期').answers.expiry).toBe('more-than-60-days');
    expect(expiry('今年12月到期').answers.expiry).toBe('within-60-days');
    expect(expiry('去年十月就过期了').answers.expiry).toBe('expired');
  });

  it('count days, weeks and months from today, forward or ago, unless words holding the number said otherwise', () => {
    const u = expiry('还有50天到期');
    expect(u.answers.expiry).toBe('within-60-days');
    expect(u.details).toEqual({ expiryDate: addDays(TODAY, 50) });
    expect(expiry('还有70天到期').answers.expiry).toBe('more-than-60-days');
    expect(expiry('证书还有十天过期').answers.expiry).toBe('within-60-days');
    expect(expiry('10天前过期了').answers.expiry).toBe('expired');
    expect(expiry('expires in 90 days').answers.expiry).toBe('more-than-60-days');
    expect(expiry('expired 5 days ago').answers.expiry).toBe('expired');
    // Months are about that long: three lie beyond 60 days, two could be either side, and are asked.
    expect(expiry('3个月后到期').answers.expiry).toBe('more-than-60-days');
    expect(expiry('3个月后到期').details).toEqual({});
    expect(expiry('2个月后到期').answers.expiry).toBeUndefined();
    // "60天以上" is more than 60 days, whatever its number says.
    expect(expiry('60天以上才到期').answers.expiry).toBe('more-than-60-days');
    expect(expiry('下下个月到期').answers.expiry).toBeUndefined();
  });

  it('take a bare month or year for no expiry where nothing speaks of one', () => {
    expect(heard('我们是2026年成立的外资企业，首次申领')).toEqual({ need: 'first', enterpriseType: 'foreign' });
    expect(heard('2024年3月办的钥匙丢了').expiry).toBeUndefined();
  });
});

describe('the way people write', () => {
  it('understands traditional characters', () => {
    expect(heard('鑰匙丟了')).toEqual({ need: 'replace', lossKind: 'lost' });
    expect(heard('證書已經過期了，鑰匙是藍色的')).toEqual({ need: 'update', expiry: 'expired', keyColour: 'blue' });
    expect(heard('增辦一把電子鑰匙，我們是內資')).toEqual({ need: 'additional', enterpriseType: 'domestic' });
  });

  it('understands full-width digits and letters', () => {
    expect(heard('ＰＩＮ碼被鎖')).toEqual({ need: 'unlock', lockKind: 'pin' });
    expect(heard('ＵＫＥＹ證書２０２６年１２月３１日到期')).toEqual({ need: 'update', expiry: 'within-60-days' });
  });

  it('understands colloquial Chinese and English', () => {
    expect(heard('证书过期了咋办')).toEqual({ need: 'update', expiry: 'expired' });
    expect(heard('密码锁了')).toEqual({ need: 'unlock' });
    expect(heard('U盾被偷了')).toEqual({ need: 'replace', lossKind: 'lost' });
    expect(heard('I forgot my PIN')).toEqual({ need: 'unlock', lockKind: 'pin' });
    expect(heard('I lost my password')).toEqual({ need: 'unlock' });
  });

  it('does not answer from words that only look like answers', () => {
    for (const text of ['好的，不用了，谢谢', '有没有绿色通道', '银行U盾也能用吗', '网络有点卡', 'We are a foreign trade company', 'any update on my application?'])
      expect(heard(text), text).toEqual({});
  });
});

describe('negation, questions and verbs', () => {
  it('takes "有没有X" for a question about X, not for "没有X"', () => {
    expect(heard('证书里有没有统一社会信用代码？')).toEqual({ need: 'check-code' });
    expect(heard('证书里没有统一社会信用代码')).toEqual({ hasCode: 'no' });
  });

  it('does not take a yes word that is the verb of another answer for a yes ("是银色的")', () => {
    expect(heard('钥匙是银色的', 'hasCode')).toEqual({ keyColour: 'silver' });
    expect(heard('是的，钥匙是银色的', 'hasCode')).toEqual({ hasCode: 'yes', keyColour: 'silver' });
  });

  it('ends a denial at the first answer after it, unless the next is put beside it ("or")', () => {
    expect(heard('钥匙不是坏了是丢了')).toEqual({ lossKind: 'lost', need: 'replace' });
    expect(heard('it is not lost or damaged, the PIN is locked')).toEqual({ need: 'unlock', lockKind: 'pin' });
  });

  it('gives the other of two options, with what it implies, when one is denied', () => {
    expect(heard('不是外资')).toEqual({ enterpriseType: 'domestic' });
    expect(heard('钥匙没有丢失')).toEqual({ lossKind: 'damaged', need: 'replace' });
  });
});

describe('pinyin tolerance', () => {
  it('reads terms with digits by their characters ("18为" is 18位), the digits as they are', () => {
    expect(heard('证书里有没有18为代码')).toEqual({ need: 'check-code' });
    expect(heard('有18为', 'hasCode')).toEqual({ hasCode: 'yes' });
  });

  it('reads the options of the question asked more widely: a function word or a syllable slipped by a letter', () => {
    expect(heard('和资', 'enterpriseType')).toEqual({ enterpriseType: 'foreign' });
    expect(heard('丢是', 'lossKind')).toEqual({ lossKind: 'lost', need: 'replace' });
    expect(heard('损缓', 'lossKind')).toEqual({ lossKind: 'damaged', need: 'replace' });
    // Nothing is asked, or the service is: no wider reading, and never a need from it.
    for (const text of ['和资', '丢是', '损缓']) expect(heard(text), text).toEqual({});
    expect(heard('不办', 'need')).toEqual({});
  });
});

describe('"expiring soon"', () => {
  // The handbook's line is 60 days before expiry (online update inside it, and a check of 5 working days the
  // certificate must outlast); "soon" says neither side of it, so the date is asked.
  it('asks for a renewal without placing the expiry; a time said does place it', () => {
    for (const text of ['证书快到期了', '證書快過期了', 'the certificate is about to expire', 'our cert expires soon']) expect(heard(text), text).toEqual({ need: 'update' });
    expect(heard('证书下个月到期')).toEqual({ need: 'update', expiry: 'within-60-days' });
    expect(heard('证书已经过期了')).toEqual({ need: 'update', expiry: 'expired' });
  });
});

describe('the classifier', () => {
  it('ranks a message of no word it has seen with no score, keeping only the general order of the options', () => {
    const u = understander.understand('啊啊啊', at());
    expect(u.ranked?.options.length).toBeGreaterThanOrEqual(3);
    expect(u.ranked?.options.every((o) => o.score === 0)).toBe(true);
    expect(u.ranked?.outOfScope).toBe(0);
    expect(understander.understand('钥匙让猫叼走了', at()).ranked?.options[0]?.score).toBeGreaterThan(0);
  });
});

describe('concepts across clauses', () => {
  it('name the service when the last clause only says what to do with what the one before named', () => {
    expect(heard('证书里没有统一社会信用代码，想加上')).toEqual({ need: 'add-code', hasCode: 'no' });
    expect(heard('we have a key already, but we need another')).toEqual({ need: 'additional' });
  });

  it('do not when the last clause says more of its own', () => {
    expect(heard('我再确认了一下，证书里是有18位代码的')).toEqual({ hasCode: 'yes' });
  });
});

describe('the clause that answers the question asked', () => {
  it('takes a word of another service beside the answer for part of it ("tried it online")', () => {
    expect(heard('we tried it online once and it failed', 'onlineFailed')).toEqual({ onlineFailed: 'yes', need: 'update' });
    expect(heard('丢了 在线申请', 'lossKind')).toEqual({ lossKind: 'lost', need: 'replace' });
  });

  it('keeps the answers of questions that matter to the same service', () => {
    expect(heard('蓝色 内资', 'keyColour')).toEqual({ keyColour: 'blue', enterpriseType: 'domestic' });
    expect(heard('银色钥匙有18位', 'keyColour')).toEqual({ keyColour: 'silver', hasCode: 'yes' });
  });
});
