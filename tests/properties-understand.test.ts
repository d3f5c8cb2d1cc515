import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Understander } from '../src/understand/understand.js';
import { knowledge } from './helpers.js';
import { messageText } from './properties-vocabulary.js';

/**
 * Free-text understanding, for any string: it never throws, it is pure (the same text gives the same
 * answers), and it only ever yields facts and values the knowledge defines.
 */
const k = knowledge();
const understander = new Understander(k);
const values = new Map([...k.questions.values()].map((q) => [q.id, new Set([...q.options.map((o) => o.value), ...(q.date?.bands.map((b) => b.value) ?? [])])]));
const details = new Set([...k.questions.values()].flatMap((q) => (q.date ? [q.date.detail] : [])));
const pending = fc.option(fc.constantFrom(...k.questions.keys()), { nil: undefined });
const today = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

function known(pairs: Record<string, string>, what: string): void {
  for (const [fact, value] of Object.entries(pairs)) {
    expect(values.has(fact), `${what} fact ${fact}`).toBe(true);
    expect(values.get(fact)?.has(value), `${what} ${fact}=${value}`).toBe(true);
  }
}

describe('free-text understanding, for any text', () => {
  it('never throws, is pure, and yields only known facts and values', () => {
    fc.assert(
      fc.property(messageText(k), pending, today, (text, asked, day) => {
        const heard = understander.understand(text, { pending: asked, today: day });
        known(heard.answers, 'answer');
        known(heard.implied, 'implied');
        for (const [detail, value] of Object.entries(heard.details)) {
          expect(details.has(detail), detail).toBe(true);
          expect(value).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        }
        if (heard.reask) {
          expect(values.has(heard.reask.fact)).toBe(true);
          if (heard.reask.guide) expect(k.guides.has(heard.reask.guide), heard.reask.guide).toBe(true);
        }
        if (heard.invalidDate) expect(values.has(heard.invalidDate.fact)).toBe(true);
        expect(understander.understand(text, { pending: asked, today: day })).toEqual(heard);
      }),
      { numRuns: 4_000 },
    );
  });

  it('reads every synonym of an option, with any ending, as that option while its question is asked', () => {
    const synonyms = [...k.questions.values()].flatMap((q) => q.options.filter((o) => !o.reask).flatMap((o) => o.synonyms.map((s) => ({ q: q.id, value: o.value, s }))));
    expect(synonyms.length).toBeGreaterThan(50);
    fc.assert(
      fc.property(fc.constantFrom(...synonyms), fc.constantFrom('', ' ', '。', '！', '？'), ({ q, value, s }, end) => {
        const heard = understander.understand(`${s}${end}`, { pending: q, today: '2026-11-23' });
        // It may say more (a phrase answering two questions at once), never something else for its question.
        expect(heard.answers[q], `${q}: ${s}`).toBe(value);
      }),
      { numRuns: 1_000 },
    );
  });
});
