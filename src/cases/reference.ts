import { beijingDate, type IsoDate } from '../dates/beijing.js';
import { pooledRandom } from './pooled-random.js';

/** No 0/O, 1/I: a reference is read out on the phone and typed from paper. */
export const REFERENCE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const REFERENCE_PATTERN = /^EK-(\d{4})(\d{2})(\d{2})-([23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6})$/;

/** 32 letters: the low five bits of a random byte pick one without bias. */
function randomPart(random: (n: number) => Buffer): string {
  return [...random(6)].map((b) => REFERENCE_ALPHABET[b & 31]).join('');
}

/**
 * A new case reference for a creation date in Beijing. Six characters give 32^6 ≈ 1.07e9 per day, so
 * 100,000 references in one day would collide a few times by chance alone: the caller says which are
 * taken and a taken one is drawn again.
 */
export function newReference(taken: (ref: string) => boolean, date: IsoDate = beijingDate(), random: (n: number) => Buffer = pooledRandom): string {
  const day = date.replaceAll('-', '');
  for (let attempt = 0; attempt < 1_000; attempt += 1) {
    const ref = `EK-${day}-${randomPart(random)}`;
    if (!taken(ref)) return ref;
  }
  throw new Error('no free case reference after 1000 draws');
}

const DASHES = /[\u2010-\u2015\u2212\uFF0D_]/g;
const LOOSE = /EK-?(\d{8})-?([0-9A-Z]{6})/;

function canonical(m: RegExpExecArray | null): string | undefined {
  if (!m) return undefined;
  const ref = `EK-${m[1]}-${m[2]}`;
  return REFERENCE_PATTERN.test(ref) ? ref : undefined;
}

function tidy(text: string): string {
  return text.normalize('NFKC').toUpperCase().replace(/\s+/g, '').replace(DASHES, '-');
}

/**
 * A reference as people type it (lower case, full-width letters, spaces, a long dash or none) in
 * canonical form, or undefined when it is not a reference at all.
 */
export function parseReference(text: string): string | undefined {
  return canonical(new RegExp(`^${LOOSE.source}$`).exec(tidy(text)));
}

/** Finds a reference inside a longer message ("查询进度 ek-20261123-abcdef"). */
export function findReference(text: string): string | undefined {
  const spaced = text.normalize('NFKC').toUpperCase().replace(DASHES, '-');
  return canonical(/(?<![0-9A-Z])EK\s*-?\s*(\d{8})\s*-?\s*([0-9A-Z]{6})(?![0-9A-Z])/.exec(spaced));
}

/** Whether a message tries to give a reference, well formed or not, so a typo is not taken for an answer. */
export function looksLikeReference(text: string): boolean {
  return /EK-?\d/.test(tidy(text));
}

/** The Beijing creation date a reference carries, "YYYY-MM-DD". */
export function referenceDate(ref: string): IsoDate {
  const m = REFERENCE_PATTERN.exec(ref);
  if (!m) throw new Error('not a case reference');
  return `${m[1]}-${m[2]}-${m[3]}`;
}
