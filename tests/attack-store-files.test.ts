import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaseStoreError } from '../src/cases/errors.js';
import { FileCaseStore } from '../src/cases/file-store.js';
import { ConfigSchema } from '../src/config.js';
import { createApp } from '../src/app.js';
import { FIRST_OFFLINE, outcomeFor, service, tempDir } from './cases-helpers.js';
import { filesUnder } from './data-files.js';

/** A store of `count` cases, closed (its journal folded into the segments). */
async function storeWith(count: number) {
  const s = await service();
  const outcome = await outcomeFor(FIRST_OFFLINE);
  const refs: string[] = [];
  for (let i = 0; i < count; i += 1) refs.push((await s.cases.open({ outcome, answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' })).reference);
  await s.store.close();
  const segment = [...filesUnder(join(s.dir, 'cases')).keys()].find((k) => /^\d{4}-\d{2}\/\d{4}\.json$/.test(k)) as string;
  return { ...s, refs, segment: join(s.dir, 'cases', segment) };
}

async function refusal(dir: string): Promise<CaseStoreError> {
  const err = await FileCaseStore.open(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CaseStoreError);
  return err as CaseStoreError;
}

describe('a case store whose files disagree with its index is refused (item 19)', () => {
  it('refuses a store whose segment file was deleted, naming the file, and leaves everything as it is', async () => {
    const s = await storeWith(3);
    rmSync(s.segment);
    const before = filesUnder(s.dir);
    const err = await refusal(s.dir);
    expect(err.file).toBe(s.segment);
    expect(err.message).toContain('index.json');
    expect(filesUnder(s.dir)).toEqual(before);
  });

  it('refuses a store whose journal was deleted, naming it, rather than start without its cases', async () => {
    const s = await storeWith(2);
    const journal = join(s.dir, 'cases', 'journal.jsonl');
    // One more case, in the journal only.
    const again = await service(s.dir);
    await again.cases.open({ outcome: await outcomeFor(FIRST_OFFLINE), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' });
    expect(readFileSync(journal, 'utf8').length).toBeGreaterThan(0);
    rmSync(journal);
    const err = await refusal(s.dir);
    expect(err.file).toBe(journal);
    expect(existsSync(journal)).toBe(false);
  });

  it('refuses a segment holding fewer cases than the index lists (one replaced by an older copy)', async () => {
    const s = await storeWith(3);
    const data = JSON.parse(readFileSync(s.segment, 'utf8')) as { cases: unknown[] };
    writeFileSync(s.segment, JSON.stringify({ ...data, cases: data.cases.slice(0, 1) }));
    const err = await refusal(s.dir);
    expect(err.file).toBe(s.segment);
    expect(err.message).toContain('holds 1 cases');
  });

  it('start-up stops on it with the file named', async () => {
    const s = await storeWith(1);
    rmSync(s.segment);
    const config = ConfigSchema.parse({ LOG_LEVEL: 'silent', EKEY_DATA_DIR: s.dir });
    await expect(createApp(config)).rejects.toThrow(s.segment);
    // The data folder is not left locked by the refused start.
    expect(existsSync(join(s.dir, 'service.lock'))).toBe(false);
  });

  it('gives a store of an earlier version (no index) one, from what is there', async () => {
    const s = await storeWith(3);
    rmSync(join(s.dir, 'cases', 'index.json'));
    const reopened = await FileCaseStore.open(s.dir);
    expect(reopened.size).toBe(3);
    await reopened.close();
    const index = JSON.parse(readFileSync(join(s.dir, 'cases', 'index.json'), 'utf8')) as { segments: Record<string, number>; journal: boolean };
    expect(Object.values(index.segments)).toEqual([3]);
    expect(index.journal).toBe(true);
    // A fresh store in an empty folder opens as before.
    const empty = await FileCaseStore.open(tempDir());
    expect(empty.size).toBe(0);
    await empty.close();
  });
});
