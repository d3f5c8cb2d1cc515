/**
 * Text widths in em, measured here because Graphviz compiled to WebAssembly has no font at hand and
 * guesses Chinese characters about a quarter too narrow; boxes sized from these widths fit the text.
 * Slightly generous on purpose: a box a little too wide reads fine, a cut label does not.
 */
export function charWidth(ch: string): number {
  const code = ch.codePointAt(0) ?? 0;
  if (code >= 0x2e80 || (code >= 0x2010 && code <= 0x201f) || code === 0x2026) return 1;
  if (ch === ' ') return 0.32;
  if (/[A-Z0-9@%&mwMW]/.test(ch)) return 0.68;
  if (/[ilj.,:;'!|()[\]]/.test(ch)) return 0.34;
  return 0.58;
}

export function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += charWidth(ch);
  return w;
}

/**
 * Wraps text to lines of at most `maxEm`: Chinese may break between any two characters (but not before
 * closing punctuation), Latin text at spaces, a word longer than a line wherever it must.
 */
export function wrap(text: string, maxEm: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    // Tokens: a run of Latin letters/digits (a word) or any single other character.
    const tokens = paragraph.match(/[A-Za-z0-9@._\-/'’]+|\s+|./gu) ?? [];
    let line = '';
    let width = 0;
    for (const token of tokens) {
      const w = textWidth(token);
      if (width + w <= maxEm || line === '') {
        if (!(line === '' && /^\s+$/.test(token))) {
          line += token;
          width += w;
        }
        continue;
      }
      if (/^\s+$/.test(token)) {
        lines.push(line.trimEnd());
        line = '';
        width = 0;
        continue;
      }
      // Keep closing punctuation with the character before it, as Chinese typesetting does.
      if (/^[，。；：、）」』》,.;:)!?！？]$/.test(token)) {
        line += token;
        lines.push(line);
        line = '';
        width = 0;
        continue;
      }
      if (w > maxEm) {
        for (const ch of token) {
          const cw = charWidth(ch);
          if (width + cw > maxEm && line !== '') {
            lines.push(line.trimEnd());
            line = '';
            width = 0;
          }
          line += ch;
          width += cw;
        }
        continue;
      }
      lines.push(line.trimEnd());
      line = token;
      width = w;
    }
    if (line.trim() !== '') lines.push(line.trimEnd());
  }
  return lines.length > 0 ? lines : [''];
}
