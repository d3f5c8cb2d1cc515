/**
 * What content owners may read of a message the assistant did not understand: the words, without what
 * could identify anyone. Digit runs (mobile numbers, credit codes, dates of birth), 18-character codes,
 * e-mail addresses, references and company names are replaced by a placeholder mark.
 */
const RULES: [RegExp, string][] = [
  [/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '＊'],
  [/EK-\d{8}-[0-9A-Z]{6}/gi, '＊'],
  [/\b[0-9A-Z]{18}\b/gi, '＊'],
  [/\d[\d\s-]{3,}\d/g, '＊'],
  [/[\u3400-\u9fff（）()]{2,30}?(有限责任公司|股份有限公司|有限公司|公司|集团|厂|商行)/g, '＊$1'],
  [/\b[A-Z][\w&.-]*(\s+[A-Z][\w&.-]*)*\s+(co|company|ltd|limited|inc|corp|corporation|llc)\b\.?/gi, '＊'],
];

export const SCRUBBED_MAX_LENGTH = 200;

export function scrub(text: string): string {
  let out = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  for (const [pattern, mark] of RULES) out = out.replace(pattern, mark);
  return out.trim().slice(0, SCRUBBED_MAX_LENGTH);
}
