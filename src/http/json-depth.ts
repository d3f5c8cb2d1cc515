/**
 * How deep a JSON text nests, read without parsing or recursion, so that a body of a few hundred
 * kilobytes nested tens of thousands of levels deep is measured in one pass and can be refused before
 * anything recursive (a serialiser, a clone) meets it.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, (depth += 1));
    else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return max;
}
