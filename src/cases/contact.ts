/** GB 32100-2015: the 31 characters of a unified social credit code (no I, O, Z, S, V). */
const CODE_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
/** Registration authority and type, six digits of the administrative division, nine of the organisation code, the check. */
const CODE_FORM = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

export type CreditCodeCheck =
  | { kind: 'valid'; code: string }
  /** Well formed, but the 18th character is not the one GB 32100-2015 computes: some early codes are like this. */
  | { kind: 'checkFailed'; code: string; expected: string }
  | { kind: 'malformed' };

export function checkCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += CODE_CHARS.indexOf(first17[i] as string) * (WEIGHTS[i] as number);
  return CODE_CHARS[(31 - (sum % 31)) % 31] as string;
}

export function checkCreditCode(input: string): CreditCodeCheck {
  const code = input
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s-]+/g, '');
  if (!CODE_FORM.test(code)) return { kind: 'malformed' };
  const expected = checkCharacter(code.slice(0, 17));
  return expected === code[17] ? { kind: 'valid', code } : { kind: 'checkFailed', code, expected };
}

/** A mainland mobile number, 11 digits from 13x-19x, with or without +86 and separators; undefined if not one. */
export function parseMobile(input: string): string | undefined {
  const digits = input
    .normalize('NFKC')
    .replace(/[\s\-()（）]+/g, '')
    .replace(/^(\+?86)(?=1\d{10}$)/, '');
  return /^1[3-9]\d{9}$/.test(digits) ? digits : undefined;
}

/**
 * C0 and C1 controls and the bidirectional overrides, embeddings and isolates: invisible, and able to
 * make a terminal or a list show a name other than the one stored (a right-to-left override reverses
 * what follows it).
 */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, 'g');

/** An enterprise name as registered: 2 to 100 characters, no control characters, no direction overrides. */
export function parseEnterpriseName(input: string): string | undefined {
  const name = input.normalize('NFKC').trim().replace(/\s+/g, ' ');
  return name.length >= 2 && name.length <= 100 && !INVISIBLE.test(name) && !/[<>]/.test(name) ? name : undefined;
}

/** Text typed by someone else, for a terminal: every control or direction character shown as its code. */
export function inert(text: string): string {
  return text.replace(INVISIBLE_ALL, (c) => `\\u{${c.codePointAt(0)!.toString(16).padStart(4, '0')}}`);
}

/** The last four digits, as asked before a status is shown. */
export function lastFour(mobile: string): string {
  return mobile.slice(-4);
}
