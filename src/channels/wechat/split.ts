/**
 * WeChat refuses a text message over about 2,048 bytes of UTF-8 (passive reply and customer-service
 * message alike); 2,000 leaves room for the envelope's own accounting.
 */
export const MAX_PART_BYTES = 2000;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** Cuts one line too long for a part at character boundaries (never inside a UTF-8 sequence or surrogate pair). */
function cutLine(line: string, max: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const ch of line) {
    if (bytes(piece) + bytes(ch) > max) {
      pieces.push(piece);
      piece = '';
    }
    piece += ch;
  }
  if (piece) pieces.push(piece);
  return pieces;
}

/**
 * Splits text into parts of at most `max` bytes at line boundaries, so that the parts joined with "\n"
 * give the text back, but for blank lines at a boundary (a message neither opens nor ends with empty
 * lines) and a single line longer than a part, which alone is cut between characters.
 */
export function splitText(text: string, max = MAX_PART_BYTES): string[] {
  const parts: string[] = [];
  let current: string[] = [];
  let size = 0;
  const flush = () => {
    while (current.length && current[current.length - 1]?.trim() === '') current.pop();
    if (current.length) parts.push(current.join('\n'));
    current = [];
    size = 0;
  };
  for (const line of text.split('\n')) {
    for (const piece of bytes(line) > max ? cutLine(line, max) : [line]) {
      const added = bytes(piece) + (current.length ? 1 : 0);
      if (size + added > max) flush();
      if (current.length === 0 && piece.trim() === '') continue;
      size += bytes(piece) + (current.length ? 1 : 0);
      current.push(piece);
    }
  }
  flush();
  return parts;
}
