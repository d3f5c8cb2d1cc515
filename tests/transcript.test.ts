import { describe, expect, it } from 'vitest';
import { appendTranscript, type TranscriptLine } from '../src/conversation/transcript.js';

const line = (text: string, from: TranscriptLine['from'] = 'user'): TranscriptLine => ({ from, text, at: '2026-12-01T00:00:00.000Z' });

describe('the transcript a conversation keeps', () => {
  it('keeps the last 40 lines, skips blank ones and leaves the kept list as it was', () => {
    const kept = Array.from({ length: 38 }, (_, i) => line(`l${i}`));
    const out = appendTranscript(kept, [line('a'), line('  '), line('b', 'bot'), line('c')]);
    expect(out).toHaveLength(40);
    expect(out[0]?.text).toBe('l1');
    expect(out.slice(-3).map((l) => l.text)).toEqual(['a', 'b', 'c']);
    expect(kept).toHaveLength(38);
  });

  it('cuts a line to 4,000 characters and drops the oldest lines past 20,000 characters in all', () => {
    const out = appendTranscript(
      [line('x'.repeat(3000)), line('y'.repeat(3000))],
      Array.from({ length: 5 }, () => line('z'.repeat(5000))),
    );
    expect(out.every((l) => l.text.length <= 4000)).toBe(true);
    expect(out.reduce((n, l) => n + l.text.length, 0)).toBeLessThanOrEqual(20_000);
    expect(out.map((l) => l.text[0])).toEqual(['z', 'z', 'z', 'z', 'z']);
  });
});
