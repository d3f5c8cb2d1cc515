import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileConversationStore, MemoryConversationStore } from '../src/conversation/state-store.js';
import { newState, type ConversationState } from '../src/conversation/state.js';
import { Journal } from '../src/storage/journal.js';

/**
 * The conversation store: one journal of JSON lines per data directory. What a turn wrote is there after a
 * restart, from memory or from the file; time to live, removal, a torn last line, a damaged line, compaction,
 * and conversations of the earlier one-file-per-conversation layout.
 */
const DAY = 86_400_000;
const dirs: string[] = [];
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ekey-conv-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const state = (n: number, lang: 'zh-CN' | 'en' = 'zh-CN'): ConversationState => ({ ...newState(lang), answers: { need: `n${n}` }, misses: n % 3, greeted: true });
const journalOf = (dir: string) => join(dir, 'conversations', 'journal.jsonl');

async function reopen(dir: string, clock = { now: Date.now() }, cacheLimit = 2_000): Promise<FileConversationStore> {
  const s = new FileConversationStore(dir, DAY, () => clock.now, cacheLimit);
  await s.open();
  return s;
}

describe('the conversation store', () => {
  it('hands out a copy of its own on every read: the turn changes it in place, and what is stored stays as it was until set', async () => {
    const dir = dataDir();
    // Cache of one: the second key is read back from memory, the first from the file.
    const file = await reopen(dir, undefined, 1);
    for (const store of [file, new MemoryConversationStore()]) {
      await store.set('webchat:a', state(1));
      await store.set('webchat:b', state(2));
      for (const key of ['webchat:a', 'webchat:b']) {
        const read = (await store.get(key)) as ConversationState;
        read.answers.need = 'changed';
        read.history.push({ answers: {}, implied: {}, details: {} } as never);
        expect((await store.get(key))?.answers.need).toBe(key === 'webchat:a' ? 'n1' : 'n2');
        expect((await store.get(key))?.history).toEqual([]);
      }
    }
    await file.close();
  });

  it('gives back what was stored, after a restart too, read from the file when it is not in memory', async () => {
    const dir = dataDir();
    const a = await reopen(dir, undefined, 1);
    for (let i = 0; i < 20; i++) await a.set(`webchat:user-${i}`, state(i));
    await a.set('webchat:user-3', state(33, 'en'));
    // Only the last one is in memory: the others come from the file.
    expect(await a.get('webchat:user-0')).toEqual(state(0));
    expect(await a.get('webchat:user-3')).toEqual(state(33, 'en'));
    expect(await a.get('webchat:nobody')).toBeUndefined();
    await a.close();

    const b = await reopen(dir);
    for (let i = 0; i < 20; i++) expect(await b.get(`webchat:user-${i}`)).toEqual(i === 3 ? state(33, 'en') : state(i));
    await b.close();
  });

  it('keeps the last of many writes arriving at once, each conversation its own', async () => {
    const dir = dataDir();
    const s = await reopen(dir);
    await Promise.all(Array.from({ length: 400 }, (_, i) => s.set(`k${i % 40}`, state(i))));
    for (let k = 0; k < 40; k++) expect((await s.get(`k${k}`))?.answers.need).toBe(`n${360 + k}`);
    await s.close();
    const again = await reopen(dir);
    for (let k = 0; k < 40; k++) expect((await again.get(`k${k}`))?.answers.need).toBe(`n${360 + k}`);
    await again.close();
  });

  it('never writes a key as the channel gave it', async () => {
    const dir = dataDir();
    const s = await reopen(dir);
    await s.set('wechat:o-openid-13800138000', state(1));
    await s.close();
    expect(readFileSync(journalOf(dir), 'utf8')).not.toContain('13800138000');
  });

  it('forgets a conversation silent for longer than its time to live, and one that was removed', async () => {
    const dir = dataDir();
    const clock = { now: Date.parse('2026-11-30T08:00:00Z') };
    const s = await reopen(dir, clock);
    await s.set('old', state(1));
    clock.now += DAY / 2;
    await s.set('recent', state(2));
    await s.set('removed', state(3));
    await s.delete('removed');
    clock.now += DAY / 2 + 1;
    expect(await s.get('old')).toBeUndefined();
    expect(await s.get('recent')).toEqual(state(2));
    expect(await s.get('removed')).toBeUndefined();
    await s.close();

    const again = await reopen(dir, clock);
    expect(await again.get('old')).toBeUndefined();
    expect(await again.get('removed')).toBeUndefined();
    expect(await again.get('recent')).toEqual(state(2));
    clock.now += DAY;
    expect(await again.sweep()).toBe(1);
    expect(await again.get('recent')).toBeUndefined();
    await again.close();
  });

  it('drops a torn last line (a crash in the middle of a write) and goes on after it', async () => {
    const dir = dataDir();
    const s = await reopen(dir);
    await s.set('a', state(1));
    await s.set('b', state(2));
    await s.close();
    const whole = statSync(journalOf(dir)).size;
    appendFileSync(journalOf(dir), '{"k":"torn","t":1,"v":{"lang":"zh');

    const again = await reopen(dir);
    expect(statSync(journalOf(dir)).size).toBe(whole);
    expect(await again.get('a')).toEqual(state(1));
    await again.set('c', state(3));
    await again.close();
    const third = await reopen(dir);
    expect([await third.get('a'), await third.get('b'), await third.get('c')]).toEqual([state(1), state(2), state(3)]);
    expect(readdirSync(join(dir, 'conversations'))).toEqual(['journal.jsonl']);
    await third.close();
  });

  it('keeps a damaged journal aside, as it was, and every conversation it can still read', async () => {
    const dir = dataDir();
    const s = await reopen(dir);
    await s.set('a', state(1));
    await s.set('b', state(2));
    await s.close();
    const lines = readFileSync(journalOf(dir), 'utf8').split('\n');
    const damaged = [lines[0], '{"k": not json', lines[1], ''].join('\n');
    writeFileSync(journalOf(dir), damaged);

    const again = await reopen(dir);
    const found = await again.open();
    expect(found.unreadable).toBe(1);
    expect(found.keptAs && readFileSync(found.keptAs, 'utf8')).toBe(damaged);
    expect([await again.get('a'), await again.get('b')]).toEqual([state(1), state(2)]);
    expect(readFileSync(journalOf(dir), 'utf8')).not.toContain('not json');
    await again.close();
  });

  it('moves conversations of the one-file-per-conversation layout into the journal', async () => {
    const dir = dataDir();
    const clock = { now: Date.parse('2026-11-30T08:00:00Z') };
    const first = await reopen(dir, clock);
    await first.close();
    // The earlier layout: the file named after the same hash of the key, holding {savedAt, state}.
    const probe = await reopen(dataDir(), clock);
    await probe.set('webchat:legacy', state(7));
    await probe.close();
    const id = (JSON.parse(readFileSync(journalOf(dirs[1] as string), 'utf8').split('\n')[0] as string) as { k: string }).k;
    mkdirSync(join(dir, 'conversations'), { recursive: true });
    writeFileSync(join(dir, 'conversations', `${id}.json`), JSON.stringify({ savedAt: clock.now - 1_000, state: state(7) }));

    const s = await reopen(dir, clock);
    expect((await s.open()).migrated).toBe(1);
    expect(existsSync(join(dir, 'conversations', `${id}.json`))).toBe(false);
    expect(await s.get('webchat:legacy')).toEqual(state(7));
    // Its age came along: it expires a day after it was last written, not a day after the move.
    clock.now += DAY;
    expect(await s.get('webchat:legacy')).toBeUndefined();
    await s.close();
  });
});

describe('the journal', () => {
  type Value = { n: number; pad: string };

  it('compacts once the dead lines outweigh the live ones, keeping the latest value of every key', async () => {
    const dir = dataDir();
    const path = join(dir, 'j.jsonl');
    const { journal } = await Journal.open(path, { compactMinBytes: 64 * 1024, compactRatio: 4 });
    const pad = 'x'.repeat(200);
    for (let round = 0; round < 50; round++) {
      for (let k = 0; k < 20; k++) journal.set(`k${k}`, JSON.stringify({ n: round, pad }));
      // Compaction runs beside the appends: let it finish now and then, as idle moments do.
      await new Promise((r) => setImmediate(r));
    }
    await journal.sweep();
    // 1,000 lines of ~250 bytes written; never more than ratio x 20 live lines, plus what came after the last compaction.
    expect(statSync(path).size).toBe(journal.fileBytes);
    expect(journal.fileBytes).toBeLessThan(4 * 20 * 260 + 64 * 1024);
    for (let k = 0; k < 20; k++) expect(journal.get<Value>(`k${k}`)).toEqual({ n: 49, pad });
    await journal.close();
    const { journal: again, recovery } = await Journal.open(path);
    expect(recovery).toEqual({ records: 20, unreadable: 0 });
    for (let k = 0; k < 20; k++) expect(again.get<Value>(`k${k}`)?.n).toBe(49);
    await again.close();
  });

  it('keeps the appends made while it compacts, removals included', async () => {
    const dir = dataDir();
    const path = join(dir, 'j.jsonl');
    const { journal } = await Journal.open(path, { compactMinBytes: 16 * 1024, compactRatio: 2 });
    const pad = 'y'.repeat(300);
    for (let round = 0; round < 40; round++) for (let k = 0; k < 10; k++) journal.set(`k${k}`, JSON.stringify({ n: round, pad }));
    // The appends above started a compaction; these come while it reads and writes.
    for (let k = 0; k < 10; k++) journal.set(`k${k}`, JSON.stringify({ n: 100 + k, pad }));
    journal.set('late', JSON.stringify({ n: -1, pad }));
    journal.delete('k9');
    await journal.sweep();
    const expected = (k: number) => (k === 9 ? undefined : { n: 100 + k, pad });
    for (let k = 0; k < 10; k++) expect(journal.get<Value>(`k${k}`)).toEqual(expected(k));
    expect(journal.get<Value>('late')?.n).toBe(-1);
    // 410 lines written, 10 live: what is left is about the size of the live ones.
    expect(journal.fileBytes).toBeLessThan(3 * 11 * 330);
    await journal.close();
    const { journal: again } = await Journal.open(path);
    for (let k = 0; k < 10; k++) expect(again.get<Value>(`k${k}`)).toEqual(expected(k));
    expect(again.get<Value>('late')?.n).toBe(-1);
    await again.close();
  });

  it('refuses a write on a closed journal and keeps what it holds', async () => {
    const dir = dataDir();
    const path = join(dir, 'j.jsonl');
    const { journal } = await Journal.open(path);
    journal.set('a', '1');
    await journal.close();
    expect(() => journal.set('b', '2')).toThrow(/closed/);
    const { journal: again } = await Journal.open(path);
    expect([again.get<number>('a'), again.get<number>('b')]).toEqual([1, undefined]);
    await again.close();
  });
});
