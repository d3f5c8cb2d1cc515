import type { ScrubWords } from '../knowledge/scrub-words.js';

export const SCRUBBED_MAX_LENGTH = 200;
const MARK = '＊';

const escape = (w: string) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Longest first, so that "联系人是" wins over "联系人". */
const alternation = (words: string[]) =>
  [...new Set(words)]
    .sort((a, b) => b.length - a.length)
    .map(escape)
    .join('|');

const HAN = '\\u3400-\\u9fff';
/** Case-insensitive words inside a pattern that must stay case-sensitive elsewhere (a name's capital). */
const anyCase = (words: string[]) => alternation(words).replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);

/**
 * What content owners may read of a message the assistant did not understand: the words, without what
 * could identify anyone. Full-width digits and letters are first read as ASCII, then
 * e-mail addresses, references, 18-character codes, digit runs with any separators (mobiles written
 * 138.1234.5678, credit codes, dates of birth), names announced by a cue or followed by an honorific,
 * and company names (with a legal suffix, or announced by a cue) are replaced by a mark. The words come
 * from dialogs/personal-data.json.
 */
export class Scrubber {
  private readonly rules: [RegExp, string][];

  constructor(words: ScrubWords) {
    this.rules = [
      [/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, MARK],
      [/EK-\d{8}-[0-9A-Z]{6}/gi, MARK],
      [/\b[0-9A-Z]{18}\b/gi, MARK],
      [/\d[\d\s\-.·•/()（）_~—]{3,}\d/g, MARK],
      // After a company cue, whatever follows up to the next punctuation is the name, suffix or not.
      [new RegExp(`(${alternation(words.companyCues)})[\\s:：]*[${HAN}A-Za-z0-9&·()（）\\-]{2,30}`, 'g'), `$1${MARK}`],
      [new RegExp(`[${HAN}（）()]{2,30}?(${alternation(words.companySuffixes)})`, 'g'), `${MARK}$1`],
      // A Chinese name is one to four characters: the mark takes up to four after the cue, whatever follows.
      [new RegExp(`(${alternation(words.nameCues)})[\\s:：]*[${HAN}·]{1,4}`, 'g'), `$1${MARK}`],
      [new RegExp(`[${HAN}]{1,2}(${alternation(words.honorifics)})`, 'g'), `${MARK}$1`],
      [new RegExp(`\\b(${anyCase(words.englishCompanyCues)})\\s+[A-Z][\\w&.'-]*(\\s+[A-Z][\\w&.'-]*){0,4}`, 'g'), `$1 ${MARK}`],
      [new RegExp(`\\b[A-Z][\\w&.-]*(\\s+[A-Z][\\w&.-]*)*\\s+(${alternation(words.englishCompanySuffixes)})\\b\\.?`, 'gi'), MARK],
      [new RegExp(`\\b(${anyCase(words.englishNameCues)})\\.?\\s+[A-Z][a-z'-]+(\\s+[A-Z][a-z'-]+){0,2}`, 'g'), `$1 ${MARK}`],
    ];
  }

  scrub(text: string): string {
    // eslint-disable-next-line no-control-regex
    // Full-width digits, letters and the signs inside numbers and addresses, as ASCII; Chinese punctuation stays.
    let out = text.replace(/[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff0e\uff20\uff0d\uff0f]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
    out = out.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
    for (const [pattern, mark] of this.rules) out = out.replace(pattern, mark);
    return out.trim().slice(0, SCRUBBED_MAX_LENGTH);
  }
}
