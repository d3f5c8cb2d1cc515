import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { keptWords } from '../src/understand/segment.js';

/** What keptWords means, written the plain way: every line as a string. */
function plainly(short: readonly string[]): string[] {
  const set = new Set(short);
  const text = readFileSync(createRequire(import.meta.url).resolve('@node-rs/jieba/dict.txt'), 'utf8');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => {
      const word = line.split(' ')[0] ?? '';
      const bytes = Buffer.byteLength(word);
      if (!line.includes(' ') || bytes < 6 || bytes > 12 || set.has(word)) return false;
      const holds = [...word].some((_, i) => set.has(word[i] as string) || set.has(word.slice(i, i + 2)));
      return holds && Number.parseInt(line.slice(word.length + 1), 10) >= 10;
    });
}

describe("the part of jieba's dictionary the segmenter keeps", () => {
  it('is every common word of two to four characters that holds a short concept word, and none of those words itself', () => {
    const short = ['银', '信用', '钥匙', '码'];
    const kept = keptWords(short);
    expect(kept).toEqual(plainly(short));
    expect(kept.some((line) => line.startsWith('银行 '))).toBe(true);
    expect(kept.some((line) => line.startsWith('信用卡 '))).toBe(true);
    expect(kept.some((line) => line.startsWith('信用 '))).toBe(false);
  });

  it('keeps nothing when no common word of the dictionary holds a short word', () => {
    // A character outside the BMP is two UTF-16 units, as a two-character short word is.
    expect(keptWords(['𠀀'])).toEqual([]);
    expect(keptWords(['a'])).toEqual([]);
    expect(keptWords([])).toEqual([]);
  });
});
