import { describe, expect, it } from 'vitest';
import { Recent } from '../src/understand/recent.js';

describe('the last results kept of a function of a text', () => {
  it('makes each value once while it is kept, and lets the oldest go past its limit', () => {
    const made: string[] = [];
    const recent = new Recent<string, string>(2);
    const upper = (k: string) => (made.push(k), k.toUpperCase());
    expect(recent.get('a', upper)).toBe('A');
    expect(recent.get('a', upper)).toBe('A');
    recent.get('b', upper);
    recent.get('c', upper);
    expect(made).toEqual(['a', 'b', 'c']);
    recent.get('b', upper);
    recent.get('a', upper);
    expect(made).toEqual(['a', 'b', 'c', 'a']);
  });
});
