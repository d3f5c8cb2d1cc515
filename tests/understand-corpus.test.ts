import { describe, expect, it } from 'vitest';
import { coverage, evaluateCorpus, readCorpus, wrongNeeds } from './corpus/corpus.js';
import { knowledge } from './helpers.js';

// The corpus of realistic messages (tests/corpus/messages.json); `npm run corpus` prints the details.
describe('the understanding corpus', () => {
  const k = knowledge();
  const entries = readCorpus(k);
  const report = evaluateCorpus(k, entries);
  const brief = (r: (typeof report.results)[number]) => `${r.entry.text} [${r.entry.pending ?? '-'}] -> ${JSON.stringify(r.got)}`;

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
    const noise = report.results.filter((r) => Object.keys(r.entry.expect.answers).length === 0 && !r.entry.expect.reask);
    expect(noise.length).toBeGreaterThanOrEqual(10);
    expect(noise.filter((r) => !r.ok).map(brief)).toEqual([]);
  });
});
