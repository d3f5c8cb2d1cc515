import { execFile } from 'node:child_process';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCaseStore } from '../src/cases/file-store.js';
import { PgCaseStore } from '../src/cases/pg-store.js';
import { CaseService } from '../src/cases/service.js';
import type { CaseStore } from '../src/cases/store.js';
import { Conversation } from '../src/conversation/conversation.js';
import { PgConversationStore } from '../src/conversation/pg-state-store.js';
import { ServiceCaseDesk } from '../src/conversation/service-case-desk.js';
import { ConversationService } from '../src/conversation/service.js';
import { type ConversationStore, FileConversationStore } from '../src/conversation/state-store.js';
import { Database } from '../src/storage/pg/database.js';
import { FileAgentStore } from '../src/desk/agent-store.js';
import { FileOutboxStore } from '../src/notify/outbox-store.js';
import { FIRST_OFFLINE, outcomeFor, tempDir } from './cases-helpers.js';
import { knowledge } from './helpers.js';
import { freshDatabase, type TestDatabase } from './pg-helpers.js';

beforeAll(() => nock.disableNetConnect());

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const REF = /EK-\d{8}-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6}/;
const TTL = 86_400_000;

function run(script: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, [script, ...args], { cwd: process.cwd(), env: { ...process.env, LOG_LEVEL: 'silent', ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The service's case and conversation layers on the given stores, as src/app.ts puts them together. */
function serviceOn(caseStore: CaseStore, conversations: ConversationStore) {
  const cases = new CaseService(knowledge(), caseStore);
  const conversation = new Conversation(knowledge(), { today: () => '2026-11-23', cases: new ServiceCaseDesk(cases) });
  const chat = new ConversationService(conversation, conversations);
  const say = async (key: string, text: string) => JSON.stringify((await chat.handle({ key, input: { text }, channel: 'test' })).messages);
  return { cases, say };
}

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await freshDatabase();
});
afterAll(() => testDb.drop());

describe('npm run store:migrate', () => {
  it('copies the cases and conversations of a data folder, safe to run twice, and the service goes on on PostgreSQL', { timeout: 120_000 }, async () => {
    const dir = tempDir('ekey-migrate-');
    const fileCases = await FileCaseStore.open(dir);
    const fileConversations = new FileConversationStore(dir, TTL);
    const files = serviceOn(fileCases, fileConversations);
    const outcome = await outcomeFor(FIRST_OFFLINE);
    const opened = [];
    for (let i = 0; i < 24; i += 1) {
      const c = await files.cases.open({ outcome, answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'desk' });
      await files.cases.setContact(c.reference, { enterpriseName: `天津滨海第${i}示例有限公司`, mobile: `1380000${String(1000 + i)}` });
      opened.push(c.reference);
    }
    await files.cases.transition(opened[5]!, { to: 'submitted', agent: '王芳' });
    // One conversation reached its outcome (a case), one stopped half-way.
    for (const text of ['第一次申请', '线下']) await files.say('wechat:done', text);
    const chatReference = REF.exec(await files.say('wechat:done', '内资'))?.[0];
    expect(chatReference).toBeDefined();
    for (const text of ['第一次申请', '线下']) await files.say('wechat:halfway', text);
    // An account of the desk, and a notice still waiting for its channel.
    await new FileAgentStore(dir).create({
      name: 'wangfang',
      role: 'agent',
      passwordHash: 'scrypt$not-a-real-hash',
      disabled: false,
      createdAt: '2026-11-20T00:00:00.000Z',
      changedAt: '2026-11-20T00:00:00.000Z',
    });
    const box = FileOutboxStore.open(dir);
    await box.put({
      id: 'case:EK-20261123-TEST22:submitted',
      recipient: 'wechat:openid-1',
      target: { kind: 'wechat', openid: 'openid-1' },
      notice: { kind: 'case', lang: 'zh-CN', title: '您的申请已受理', lines: [], fields: {} },
      createdAt: 1,
      seq: 1,
      state: 'pending',
      attempts: 0,
      nextAt: 1,
    } as never);
    const before = await files.cases.list({ offset: 0, limit: 100 });
    const moved = await files.cases.require(opened[5]!);
    await fileCases.close();
    await fileConversations.close();

    const first = await run('src/cli/store-migrate.ts', ['--to', testDb.url, '--from', dir, '--lang', 'en']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('cases: 25 in the folder, 25 copied now, 0 there already, 25 found in PostgreSQL');
    expect(first.stdout).toContain('conversations: 2 in the folder, 2 copied now, 0 there already, 2 found in PostgreSQL');
    expect(first.stdout).toContain('agents: 1 in the folder, 1 copied now, 0 there already, 1 found in PostgreSQL');
    expect(first.stdout).toContain('outbox: 1 in the folder, 1 copied now, 0 there already, 1 found in PostgreSQL');
    const second = await run('src/cli/store-migrate.ts', ['--to', testDb.url, '--from', dir, '--lang', 'en']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('cases: 25 in the folder, 0 copied now, 25 there already, 25 found in PostgreSQL');
    expect(second.stdout).toContain('conversations: 2 in the folder, 0 copied now, 2 there already, 2 found in PostgreSQL');
    expect(second.stdout).toContain('agents: 1 in the folder, 0 copied now, 1 there already, 1 found in PostgreSQL');
    expect(second.stdout).toContain('outbox: 1 in the folder, 0 copied now, 1 there already, 1 found in PostgreSQL');

    const db = await Database.open(testDb.url, { max: 4 });
    try {
      const pg = serviceOn(new PgCaseStore(db), new PgConversationStore(db, TTL));
      expect(await pg.cases.list({ offset: 0, limit: 100 })).toEqual(before);
      expect(await pg.cases.require(opened[5]!)).toEqual(moved);
      expect((await pg.cases.list({ text: '滨海第7示例', offset: 0, limit: 10 })).items.map((c) => c.reference)).toEqual([opened[7]]);
      expect((await pg.cases.list({ text: '138 0000 1023', offset: 0, limit: 10 })).items.map((c) => c.reference)).toEqual([opened[23]]);
      // The half-way conversation remembers its answers: the next one gives the outcome and a new case.
      const reply = await pg.say('wechat:halfway', '内资');
      const reference = REF.exec(reply)?.[0] as string;
      expect(reference).toBeDefined();
      expect(reference).not.toBe(chatReference);
      expect((await pg.cases.require(reference)).procedures).toEqual(outcome.procedures.map((p) => p.id));
      expect((await pg.cases.list({ offset: 0, limit: 100 })).total).toBe(26);

      // The terminal's `npm run cases` works on the same database.
      const listed = await run('src/cli/cases.ts', ['list', '--text', '滨海第7示例', '--json'], { DATABASE_URL: testDb.url, EKEY_DATA_DIR: tempDir('ekey-unused-') });
      expect(listed.code).toBe(0);
      expect((JSON.parse(listed.stdout) as { items: { reference: string }[] }).items.map((c) => c.reference)).toEqual([opened[7]]);
    } finally {
      await db.close();
    }
  });

  it('refuses a missing or bad address with the usage, and an unreachable database with one line', { timeout: 60_000 }, async () => {
    const dir = tempDir('ekey-migrate-');
    const none = await run('src/cli/store-migrate.ts', ['--from', dir, '--lang', 'en']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('npm run store:migrate -- --to');
    const bad = await run('src/cli/store-migrate.ts', ['--to', 'mysql://x', '--from', dir]);
    expect(bad.code).toBe(2);
    const closed = await run('src/cli/store-migrate.ts', ['--to', 'postgres://ekey:secret-word@127.0.0.1:9/ekey', '--from', dir, '--lang', 'en']);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain('Cannot open the database 127.0.0.1:9/ekey');
    expect(closed.stderr).not.toContain('secret-word');
    expect(closed.stderr).not.toMatch(/\n\s+at /);
  });
});
