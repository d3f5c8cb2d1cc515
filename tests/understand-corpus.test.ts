import { describe, expect, it } from 'vitest';
import { coverage, evaluateCorpus, needNotAskedAgain, readCorpus, wrongNeeds } from './corpus/corpus.js';
import { knowledge } from './helpers.js';

// The two corpora of realistic messages (tests/corpus/); `npm run corpus` prints the details.
const k = knowledge();
const brief = (r: ReturnType<typeof evaluateCorpus>['results'][number]) => `${r.entry.text} [${r.entry.pending ?? '-'}] -> ${JSON.stringify(r.got)}${r.gotCommand ? ` command=${r.gotCommand}` : ''}`;

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
