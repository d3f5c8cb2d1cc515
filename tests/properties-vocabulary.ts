import fc from 'fast-check';
import type { Knowledge } from '../src/knowledge/model.js';

/**
 * Words the assistant knows (synonyms, phrases, yes/no and ordinal words, commands, contact words) and
 * things people type besides (dates, references, codes, numbers), to build messages that reach deep into
 * understanding and the conversation rather than only the "not understood" path random text takes.
 */
export function vocabulary(k: Knowledge): string[] {
  const words = [
    ...[...k.questions.values()].flatMap((q) => q.options.flatMap((o) => o.synonyms)),
    ...k.phrases.flatMap((p) => p.patterns),
    ...k.lexicon.yes,
    ...k.lexicon.no,
    ...k.lexicon.ordinalWords,
    ...Object.values(k.commands).flat(),
    ...k.contactWords.skip,
    ...k.contactWords.confirm,
    '2027-03-31',
    '2026-11-30',
    '2026-02-30',
    '2027年3月',
    '明年三月底',
    '下个月',
    '上周',
    '31/12/2027',
    '0',
    '1',
    '2',
    '３',
    '第二个',
    '99',
    'EK-20261123-ABCDEF',
    'ek-20261123-abcdef',
    '查询进度 EK-20261123-ABCDEF',
    '91350100M000100Y43',
    '13800138000',
    '+86 138-0013-8000',
    '某某贸易有限公司',
    '證書過期了',
    '鑰匙丟了',
    '外資企業',
    '不是',
    '没有',
    '不知道',
    '？',
    '，',
    '。',
    ' ',
    '\n',
  ];
  return [...new Set(words)];
}

/** Text of every kind: known words strung together with noise, any Unicode (lone surrogates too), markup. */
export function messageText(k: Knowledge): fc.Arbitrary<string> {
  const words = vocabulary(k);
  const noise = fc.oneof(
    fc.string({ maxLength: 4 }),
    fc.string({ unit: 'binary', maxLength: 4 }),
    fc.constantFrom('<script>', '{{x}}', '\u0000', '\u202e', '🔑', '%s', '$1', '\\'),
  );
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...words) }, { weight: 1, arbitrary: noise }), { minLength: 1, maxLength: 6 }).map((a) => a.join('')),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 80 }) },
    { weight: 1, arbitrary: fc.constantFrom(...words) },
  );
}
