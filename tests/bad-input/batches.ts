import { expect } from 'vitest';
import { FileCaseStore } from '../../src/cases/file-store.js';
import { storedCases } from '../data-files.js';
import { checkAnswer } from './checks.js';
import { type Answer, type BadInput, type RawInput, send, sendRaw } from './corpus.js';

/**
 * Runs a corpus in batches, the server asked for /healthz after each batch, and each answer checked; the
 * cases stored before are compared with those after: each the same, byte for byte, and the store still
 * opens (a new case may only come from a harmless answer that reached an outcome).
 */
export async function runCorpus(base: string, dataDir: string, corpus: (BadInput | RawInput)[], more: (input: BadInput | RawInput, a: Answer) => void = () => undefined) {
  const before = storedCases(dataDir);
  expect(before.size).toBeGreaterThan(0);
  const answers: Answer[] = [];
  for (let i = 0; i < corpus.length; i += 10) {
    for (const input of corpus.slice(i, i + 10)) {
      const a = 'raw' in input ? await sendRaw(base, input) : await send(base, input);
      checkAnswer(input, a);
      more(input, a);
      answers.push(a);
    }
    const health = await fetch(`${base}/healthz`);
    expect(health.status, `after ${corpus[Math.min(i + 9, corpus.length - 1)]?.name}`).toBe(200);
  }
  const after = storedCases(dataDir);
  for (const [ref, json] of before) expect(after.get(ref), ref).toBe(json);
  const store = await FileCaseStore.open(dataDir);
  expect(store.size).toBe(after.size);
  await store.close();
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  return answers;
}
