import { describe, expect, it } from 'vitest';
import { coverage, evaluateCorpus, needNotAskedAgain, readCorpus, wrongNeeds } from './corpus/corpus.js';
import { knowledge } from './helpers.js';

// The two corpora of realistic messages (tests/corpus/); `npm run corpus` prints the details.
const k = knowledge();
const brief = (r: ReturnType<typeof evaluateCorpus>['results'][number]) =>
  `${r.entry.text} [${r.entry.pending ?? '-'}] -> ${JSON.stringify(r.got)}${r.gotCommand ? ` command=${r.gotCommand}` : ''}`;

describe('the tuning corpus', () => {
  const entries = readCorpus(k, 'tuning');
  const report = evaluateCorpus(k, entries);

  it('holds at least 220 messages and covers every option value 3 times in Chinese and 3 times in English', () => {
    expect(entries.length).toBeGreaterThanOrEqual(220);
    const thin = [...coverage(k, entries)].filter(([, c]) => c.zh < 3 || c.en < 3).map(([v]) => v);
    expect(thin).toEqual([]);
  });

  it('understands at least 95% of the messages exactly', () => {
    expect(report.accuracy, report.failures.map(brief).join('\n')).toBeGreaterThanOrEqual(0.95);
  });

  it('never yields a need the message does not express (a wrong procedure)', () => {
    expect(wrongNeeds(report).map(brief)).toEqual([]);
  });

  it('yields nothing at all for greetings and off-topic messages', () => {
    const noise = report.results.filter((r) => Object.keys(r.expected).length === 0 && !r.entry.expect.command);
    expect(noise.length).toBeGreaterThanOrEqual(10);
    expect(noise.filter((r) => !r.ok).map(brief)).toEqual([]);
  });

  it('reads the need of the openings that state it', () => {
    const { met, total } = needNotAskedAgain(report);
    expect(met / total).toBeGreaterThanOrEqual(0.95);
  });
});

/**
 * The held-out corpus (written before tuning, never tuned to). Issue 11's targets are 95% exact, no wrong
 * need and 95% of need-stating openings read; what is asserted here is the figure reached when this was
 * last measured, so that no change goes back on it. Raise the floors as the mechanism improves; never
 * edit heldout.json or dialogs/ to pass a held-out message.
 */
const HELD_OUT_FLOOR = { accuracy: 0.97, wrongNeeds: 0, openings: 0.97 };

describe('the held-out corpus', () => {
  const report = evaluateCorpus(k, readCorpus(k, 'heldout'));
  const openings = needNotAskedAgain(report);

  it('holds at least 400 messages, the majority of the whole corpus', () => {
    expect(report.results.length).toBeGreaterThanOrEqual(400);
    expect(report.results.length).toBeGreaterThanOrEqual(readCorpus(k, 'tuning').length);
  });

  it(`understands at least ${HELD_OUT_FLOOR.accuracy * 100}% exactly (target 95%)`, () => {
    console.log(
      `held-out: ${(100 * report.accuracy).toFixed(1)}% exact, ${wrongNeeds(report).length} wrong needs, ${((100 * openings.met) / openings.total).toFixed(1)}% of need-stating openings read`,
    );
    expect(report.accuracy).toBeGreaterThanOrEqual(HELD_OUT_FLOOR.accuracy);
  });

  it(`yields a wrong need at most ${HELD_OUT_FLOOR.wrongNeeds} times (target 0)`, () => {
    expect(wrongNeeds(report).length, wrongNeeds(report).map(brief).join('\n')).toBeLessThanOrEqual(HELD_OUT_FLOOR.wrongNeeds);
  });

  it(`reads the need of at least ${HELD_OUT_FLOOR.openings * 100}% of the openings that state it (target 95%)`, () => {
    expect(openings.met / openings.total).toBeGreaterThanOrEqual(HELD_OUT_FLOOR.openings);
  });
});
