import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaseStoreError } from '../src/cases/errors.js';
import { FileCaseStore } from '../src/cases/file-store.js';
import { CaseService } from '../src/cases/service.js';
import { FIRST_OFFLINE, outcomeFor, tempDir } from './cases-helpers.js';
import { knowledge } from './helpers.js';

beforeAll(() => nock.disableNetConnect());

const run = promisify(execFile);

async function open(dir: string, capacity = 7) {
  const store = await FileCaseStore.open(dir, { segmentCapacity: capacity });
  return { store, cases: new CaseService(knowledge(), store) };
}

async function openCases(cases: CaseService, n: number, channel = 'test') {
  const outcome = await outcomeFor(FIRST_OFFLINE);
  const out = [];
  for (let i = 0; i < n; i += 1) out.push(await cases.open({ outcome, answers: FIRST_OFFLINE, lang: 'zh-CN', channel }));
  return out;
}

function segmentFiles(dir: string): string[] {
  const root = join(dir, 'cases');
  return readdirSync(root)
    .filter((m) => /^\d{4}-\d{2}$/.test(m))
    .flatMap((m) => readdirSync(join(root, m)).map((f) => join(root, m, f)));
}

describe('the case store', () => {
  it('keeps every case and every change across a restart', async () => {
    const dir = tempDir();
    const a = await open(dir);
    const made = await openCases(a.cases, 20);
    await a.cases.transition(made[3]!.reference, { to: 'submitted', agent: '王芳' });
    await a.cases.setContact(made[4]!.reference, { mobile: '13800138000' });
    const before = await a.store.list({ offset: 0, limit: 100 });
    await a.store.close();

    const b = await open(dir);
    const after = await b.store.list({ offset: 0, limit: 100 });
    expect(after.total).toBe(20);
    expect(after.items).toEqual(before.items);
    expect((await b.store.get(made[3]!.reference))?.status).toBe('submitted');
    expect((await b.store.get(made[4]!.reference))?.contact?.mobile).toBe('13800138000');
  });

  it('spreads cases over month folders and segments of bounded size', async () => {
    const dir = tempDir();
    const { cases, store } = await open(dir, 7);
    await openCases(cases, 16);
    // Until a checkpoint the cases are in the journal; closing folds it into the segments.
    expect(segmentFiles(dir)).toEqual([]);
    await store.close();
    expect(readFileSync(join(dir, 'cases', 'journal.jsonl'), 'utf8')).toBe('');
    const files = segmentFiles(dir);
    expect(files.map((f) => f.split('/').slice(-1)[0])).toEqual(['0000.json', '0001.json', '0002.json']);
    const sizes = files.map((f) => (JSON.parse(readFileSync(f, 'utf8')) as { cases: unknown[] }).cases.length);
    expect(sizes).toEqual([7, 7, 2]);
  });

  it('refuses to start on a file that is not JSON, names it, and leaves it byte for byte', async () => {
    const dir = tempDir();
    const { cases, store } = await open(dir);
    await openCases(cases, 3);
    await store.close();
    const [file] = segmentFiles(dir) as [string];
    const broken = Buffer.concat([readFileSync(file).subarray(0, 200), Buffer.from([0xff, 0x00, 0x7b])]);
    writeFileSync(file, broken);

    await expect(FileCaseStore.open(dir)).rejects.toThrow(CaseStoreError);
    await expect(FileCaseStore.open(dir)).rejects.toThrow(file);
    expect(readFileSync(file).equals(broken)).toBe(true);
  });

  it('refuses a file that parses but fails the schema, with the path of the problem', async () => {
    const dir = tempDir();
    const { cases, store } = await open(dir);
    await openCases(cases, 2);
    await store.close();
    const [file] = segmentFiles(dir) as [string];
    const data = JSON.parse(readFileSync(file, 'utf8'));
    data.cases[1].status = 42;
    const text = JSON.stringify(data);
    writeFileSync(file, text);

    const err = await FileCaseStore.open(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaseStoreError);
    expect((err as Error).message).toContain('$.cases[1].status');
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('refuses a case filed under the wrong month, or held twice', async () => {
    const dir = tempDir();
    const { cases, store } = await open(dir);
    const [c] = await openCases(cases, 1);
    await store.close();
    const [file] = segmentFiles(dir) as [string];
    const month = file.split('/').at(-2) as string;
    const copy = join(dir, 'cases', month, '0001.json');
    writeFileSync(copy, readFileSync(file));
    await expect(FileCaseStore.open(dir)).rejects.toThrow(`${c!.reference} is also in`);

    const other = join(dir, 'cases', '2001-01');
    mkdirSync(other);
    writeFileSync(join(other, '0000.json'), JSON.stringify({ format: 1, month: '2001-01', cases: [] }));
    writeFileSync(copy, JSON.stringify({ format: 1, month, cases: [] }));
    writeFileSync(join(other, '0000.json'), readFileSync(file, 'utf8').replace(`"month":"${month}"`, '"month":"2001-01"'));
    await expect(FileCaseStore.open(dir)).rejects.toThrow('was not created in 2001-01');
  });

  it('never writes over a file that went bad while running', async () => {
    const dir = tempDir();
    const first = await open(dir);
    const [c] = await openCases(first.cases, 2);
    await first.store.close();
    const { cases, store } = await open(dir);
    const [file] = segmentFiles(dir) as [string];
    writeFileSync(file, '{"format":1,');
    await expect(cases.setContact(c!.reference, { mobile: '13800138000' })).rejects.toThrow(CaseStoreError);
    await expect(store.get(c!.reference)).rejects.toThrow(file);
    await expect(openCases(cases, 1)).rejects.toThrow(CaseStoreError);
    await store.close();
    expect(readFileSync(file, 'utf8')).toBe('{"format":1,');
  });

  it('folds the journal into the segments once it has grown, and starts it again', async () => {
    const dir = tempDir();
    const store = await FileCaseStore.open(dir, { segmentCapacity: 7, checkpointBytes: 8 * 1024 });
    const cases = new CaseService(knowledge(), store);
    const made = await openCases(cases, 20);
    await cases.transition(made[0]!.reference, { to: 'submitted', agent: '王芳' });
    // A checkpoint runs as an operation of its own, after the write that made it due: wait for it.
    await store.list({ offset: 0, limit: 1 });
    const journal = readFileSync(join(dir, 'cases', 'journal.jsonl'), 'utf8');
    // A few cases of ~1.5 KB fill 8 KB: the journal was restarted, and holds only what came after.
    expect(journal.length).toBeLessThan(8 * 1024 + 2_000);
    const inSegments = segmentFiles(dir).flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as { cases: { reference: string }[] }).cases.map((x) => x.reference));
    expect(inSegments.length).toBeGreaterThanOrEqual(10);
    const inJournal = journal
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { c: { reference: string } }).c.reference);
    expect(new Set([...inSegments, ...inJournal])).toEqual(new Set(made.map((x) => x.reference)));
    const again = await FileCaseStore.open(dir);
    expect((await again.list({ offset: 0, limit: 100 })).total).toBe(20);
    expect((await again.get(made[0]!.reference))?.status).toBe('submitted');
  });

  it('checkpoints once the journal has changed many segments, however little it holds', async () => {
    const dir = tempDir();
    const store = await FileCaseStore.open(dir, { segmentCapacity: 2, checkpointSegments: 4 });
    const cases = new CaseService(knowledge(), store);
    const made = await openCases(cases, 12);
    await store.list({ offset: 0, limit: 1 });
    // Twelve cases in six segments: a checkpoint after the fourth segment was changed, the rest still in the journal.
    expect(segmentFiles(dir).length).toBeGreaterThanOrEqual(4);
    const again = await FileCaseStore.open(dir);
    expect((await again.list({ offset: 0, limit: 100 })).items.map((x) => x.reference).sort()).toEqual(made.map((x) => x.reference).sort());
  });

  it('takes a checkpoint of another process cut short in its stride: segments rewritten, the journal not yet started again', async () => {
    const dir = tempDir();
    const options = { segmentCapacity: 2, checkpointSegments: 1_000, checkpointBytes: 1 << 30 };
    const a = await FileCaseStore.open(dir, options);
    const b = await FileCaseStore.open(dir, options);
    const ca = new CaseService(knowledge(), a);
    const made = await openCases(ca, 6);
    await ca.transition(made[0]!.reference, { to: 'submitted', agent: 'A' });
    expect((await b.list({ offset: 0, limit: 10 })).total).toBe(6);
    // One step of a checkpoint (the first segment written), as a process killed after it would leave it.
    const step = a as unknown as { serial(w: boolean, f: () => Promise<unknown>): Promise<unknown>; checkpointStep(n: number): Promise<boolean> };
    expect(await step.serial(true, () => step.checkpointStep(1))).toBe(false);
    expect(segmentFiles(dir)).toHaveLength(1);
    // b finds that segment changed under it, reads it with the journal over it, and writes on.
    const cb = new CaseService(knowledge(), b);
    await cb.setContact(made[1]!.reference, { mobile: '13800138000' });
    await cb.transition(made[0]!.reference, { to: 'verified', agent: 'B' });
    for (const store of [a, b, await FileCaseStore.open(dir)]) {
      const got = await store.get(made[0]!.reference);
      expect(got?.status).toBe('verified');
      expect((await store.get(made[1]!.reference))?.contact?.mobile).toBe('13800138000');
      expect((await store.list({ offset: 0, limit: 10 })).total).toBe(6);
    }
  });

  it('sees the checkpoint another process made, and what it wrote after it', async () => {
    const dir = tempDir();
    const a = await FileCaseStore.open(dir, { segmentCapacity: 5, checkpointBytes: 4 * 1024 });
    const b = await FileCaseStore.open(dir, { segmentCapacity: 5, checkpointBytes: 4 * 1024 });
    const ca = new CaseService(knowledge(), a);
    const made = await openCases(ca, 3);
    expect((await b.list({ offset: 0, limit: 100 })).total).toBe(3);
    // a writes on past several checkpoints; b reads in between and after.
    made.push(...(await openCases(ca, 12)));
    await ca.transition(made[1]!.reference, { to: 'submitted', agent: 'A' });
    const seen = await b.list({ offset: 0, limit: 100 });
    expect(seen.items.map((x) => x.reference).sort()).toEqual(made.map((x) => x.reference).sort());
    expect((await b.get(made[1]!.reference))?.status).toBe('submitted');
    // And b's own write lands in the segment a placed the case in.
    await new CaseService(knowledge(), b).setContact(made[14]!.reference, { mobile: '13800138000' });
    expect((await a.get(made[14]!.reference))?.contact?.mobile).toBe('13800138000');
  });

  it('refuses to start on a damaged journal line, names the file, and leaves it byte for byte', async () => {
    const dir = tempDir();
    const { cases, store } = await open(dir);
    const made = await openCases(cases, 3);
    const path = join(dir, 'cases', 'journal.jsonl');
    const lines = readFileSync(path, 'utf8').split('\n');
    const damaged = [lines[0], '{"s":"2026-11/0000","c":', lines[2], ''].join('\n');
    writeFileSync(path, damaged);
    await expect(FileCaseStore.open(dir)).rejects.toThrow(CaseStoreError);
    await expect(FileCaseStore.open(dir)).rejects.toThrow(path);
    expect(readFileSync(path, 'utf8')).toBe(damaged);
    // A line that parses but breaks the case schema is refused with the path of the problem.
    writeFileSync(path, `${JSON.stringify({ s: `${made[0]!.reference.slice(3, 7)}-${made[0]!.reference.slice(7, 9)}/0000`, c: { ...made[0], status: 7 } })}\n`);
    await expect(FileCaseStore.open(dir)).rejects.toThrow('$.c.status');
    await store.close().catch(() => undefined);
  });

  it('reads past a torn last line of the journal (a writer killed while appending) and writes on after it', async () => {
    const dir = tempDir();
    const { cases } = await open(dir);
    const made = await openCases(cases, 2);
    const path = join(dir, 'cases', 'journal.jsonl');
    const whole = readFileSync(path, 'utf8');
    writeFileSync(path, `${whole}{"s":"2026-11/0000","c":{"reference":"EK-`);
    const again = await open(dir);
    expect((await again.store.list({ offset: 0, limit: 10 })).total).toBe(2);
    const [next] = await openCases(again.cases, 1);
    expect(readFileSync(path, 'utf8').startsWith(whole)).toBe(true);
    expect(readFileSync(path, 'utf8')).not.toContain('"reference":"EK-"');
    const third = await open(dir);
    expect((await third.store.list({ offset: 0, limit: 10 })).items.map((x) => x.reference).sort()).toEqual([...made, next!].map((x) => x.reference).sort());
  });

  it('does not store a record that fails the schema', async () => {
    const dir = tempDir();
    const { cases, store } = await open(dir);
    const [c] = await openCases(cases, 1);
    await expect(store.update(c!.reference, (x) => ({ ...x, channel: '' }))).rejects.toThrow(/channel/);
    expect((await store.get(c!.reference))?.channel).toBe('test');
  });

  it('loses nothing when many changes to one case arrive at once', async () => {
    const { cases, store } = await open(tempDir());
    const [c] = await openCases(cases, 1);
    await Promise.all(Array.from({ length: 120 }, (_, i) => store.update(c!.reference, (x) => ({ ...x, details: { ...x.details, [`k${i}`]: String(i) } }))));
    expect(Object.keys((await store.get(c!.reference))!.details)).toHaveLength(120);
  });

  it('loses nothing when reads and lists run while it writes', async () => {
    const { cases, store } = await open(tempDir());
    const [c] = await openCases(cases, 1);
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i += 1) {
      ops.push(store.update(c!.reference, (x) => ({ ...x, details: { ...x.details, [`k${i}`]: 'x' } })));
      ops.push(store.get(c!.reference), store.list({ offset: 0, limit: 5 }));
    }
    await Promise.all(ops);
    expect(Object.keys((await store.get(c!.reference))!.details)).toHaveLength(60);
  });

  it('loses nothing when two stores (as two processes would) write the same files in turn', async () => {
    const dir = tempDir();
    const a = await open(dir);
    const b = await open(dir);
    const [c] = await openCases(a.cases, 1);
    const writes = [];
    for (let i = 0; i < 30; i += 1) {
      const s = i % 2 === 0 ? a.store : b.store;
      writes.push(s.update(c!.reference, (x) => ({ ...x, details: { ...x.details, [`k${i}`]: 'x' } })));
      writes.push((i % 2 === 0 ? b.cases : a.cases).open({ outcome: await outcomeFor(FIRST_OFFLINE), answers: FIRST_OFFLINE, lang: 'en', channel: 'x' }));
    }
    await Promise.all(writes);
    const fresh = await open(dir);
    expect(Object.keys((await fresh.store.get(c!.reference))!.details)).toHaveLength(30);
    expect((await fresh.store.list({ offset: 0, limit: 100 })).total).toBe(31);
    // Each store sees the other's writes too.
    expect((await a.store.list({ offset: 0, limit: 100 })).total).toBe(31);
    expect(Object.keys((await b.store.get(c!.reference))!.details)).toHaveLength(30);
  });

  it('loses nothing when two real processes write at the same time, checkpointing as they go', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    // Checkpoints every few cases, in all three processes: each finds the journal replaced under it.
    const store = await FileCaseStore.open(dir, { segmentCapacity: 7, checkpointBytes: 6 * 1024 });
    const cases = new CaseService(knowledge(), store);
    const [c] = await openCases(cases, 1);
    const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
    const writer = (tag: string) => run(tsx, ['tests/cases-writer.ts', dir, c!.reference, tag, '25', String(6 * 1024)], { cwd: process.cwd() });
    const results = await Promise.all([writer('p1'), writer('p2'), (async () => openCases(cases, 10, 'parent'))()]);
    const children = results.slice(0, 2).flatMap((r) => JSON.parse((r as { stdout: string }).stdout) as string[]);
    await store.close();

    const fresh = await open(dir);
    const all = await fresh.store.list({ offset: 0, limit: 1_000 });
    expect(all.total).toBe(1 + 50 + 10);
    const refs = new Set(all.items.map((x) => x.reference));
    for (const ref of children) expect(refs.has(ref)).toBe(true);
    const details = Object.keys((await fresh.store.get(c!.reference))!.details);
    expect(details).toHaveLength(50);
  });

  it('lists newest first, filtered by status, procedure, dates, text and call-back, a page at a time', async () => {
    const dir = tempDir();
    let now = new Date('2026-10-30T02:00:00Z');
    const store = await FileCaseStore.open(dir, { segmentCapacity: 4 });
    const cases = new CaseService(knowledge(), store, () => now);
    const first = await openCases(cases, 5);
    now = new Date('2026-11-02T02:00:00Z');
    const revoke = await outcomeFor({ need: 'revoke' });
    const r = await cases.open({ outcome: revoke, answers: { need: 'revoke' }, lang: 'zh-CN', channel: 'wechat' });
    await cases.transition(first[1]!.reference, { to: 'submitted', agent: 'A' });
    await cases.setContact(first[2]!.reference, { enterpriseName: '上海示例进出口有限公司' });
    await cases.requestCallback(first[0]!.reference);

    const all = await store.list({ offset: 0, limit: 10 });
    expect(all.items[0]!.reference).toBe(r.reference);
    expect(all.items.map((c) => c.reference).slice(1)).toEqual(first.map((c) => c.reference).reverse());
    expect((await store.list({ status: 'submitted', offset: 0, limit: 10 })).items.map((c) => c.reference)).toEqual([first[1]!.reference]);
    expect((await store.list({ procedure: 'revoke', offset: 0, limit: 10 })).total).toBe(1);
    expect((await store.list({ from: '2026-11-01', offset: 0, limit: 10 })).total).toBe(1);
    expect((await store.list({ to: '2026-10-31', offset: 0, limit: 10 })).total).toBe(5);
    expect((await store.list({ text: '示例进出口', offset: 0, limit: 10 })).items[0]!.reference).toBe(first[2]!.reference);
    expect((await store.list({ text: first[4]!.reference.toLowerCase(), offset: 0, limit: 10 })).total).toBe(1);
    expect((await store.list({ callback: true, offset: 0, limit: 10 })).items.map((c) => c.reference)).toEqual([first[0]!.reference]);
    const page2 = await store.list({ offset: 2, limit: 2 });
    expect(page2.total).toBe(6);
    expect(page2.items.map((c) => c.reference)).toEqual(all.items.slice(2, 4).map((c) => c.reference));
  });
});
