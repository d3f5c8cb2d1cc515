import { expect } from 'vitest';
import { type Answer, type BadInput, LEAKS, MARKUP, type RawInput, statusClass } from './corpus.js';

/**
 * What every answer to a bad input must be: the class the corpus expects (never a 5xx), no stack or
 * source path, and a refusal that says why: JSON with a code and a message, or a page with its reason.
 */
export function checkAnswer(input: BadInput | RawInput, a: Answer): void {
  const label = `${input.name}: ${a.status} ${a.body.slice(0, 300)}`;
  expect.soft(statusClass(a.status), label).toBe(input.expect);
  if ('status' in input && input.status) expect.soft(a.status, label).toBe(input.status);
  expect.soft(a.body, label).not.toMatch(LEAKS);
  if (input.expect === '4xx' && !('raw' in input)) expect(reason(a), label).toMatch(/\S{3,}/);
}

/** The reason a refusal gives, whatever its shape: {code, message}, Direct Line's {error: {...}}, or a page. */
export function reason(a: Answer): string {
  const type = String(a.headers['content-type'] ?? '');
  if (type.startsWith('text/html')) return /<p>([^<]+)<\/p>/.exec(a.body)?.[1] ?? '';
  const body = JSON.parse(a.body) as { code?: string; message?: string; error?: { code?: string; message?: string } };
  const r = body.error ?? body;
  expect(r.code, a.body).toMatch(/\w/);
  return r.message ?? '';
}

const CJK = /[\u3400-\u9fff]/;

/**
 * Every refusal (4xx) of a corpus run gives its reason in the language asked for: Chinese holds Chinese
 * characters, English none. `answers` are runCorpus's, in the corpus's order.
 */
export function checkReasonLanguage(corpus: (BadInput | RawInput)[], answers: Answer[], lang: 'zh-CN' | 'en'): number {
  let checked = 0;
  corpus.forEach((input, i) => {
    const a = answers[i];
    if (!a || 'raw' in input || statusClass(a.status) !== '4xx') return;
    const said = reason(a);
    const label = `${input.name}: ${a.status} ${said}`;
    if (lang === 'zh-CN') expect.soft(said, label).toMatch(CJK);
    else expect.soft(said, label).not.toMatch(CJK);
    checked += 1;
  });
  return checked;
}

/** How many entries of a corpus are refusals with a reason to read. */
export const refusals = (corpus: (BadInput | RawInput)[]): number => corpus.filter((c) => c.expect === '4xx' && !('raw' in c)).length;

/** The corpus asked in English: its refusals only, each with Accept-Language: en. */
export function inEnglish<T extends BadInput | RawInput>(corpus: T[]): T[] {
  return corpus.filter((c) => c.expect === '4xx' && !('raw' in c)).map((c) => ({ ...c, headers: { ...('headers' in c ? c.headers : {}), 'accept-language': 'en-US,en;q=0.9' } }));
}

/** Cards carry the knowledge's words only: no markup a user typed ever reaches one. */
export function checkCards(a: Answer): void {
  if (a.status !== 200 || !a.body) return;
  const body = JSON.parse(a.body) as { activities?: { attachments?: unknown[] }[] };
  for (const act of body.activities ?? []) {
    const cards = JSON.stringify(act.attachments ?? []);
    for (const m of MARKUP) expect(cards).not.toContain(m);
    expect(cards).not.toMatch(/<script|onerror=|onload=/i);
  }
}
