import { execFile } from 'node:child_process';
import { readFileSync, utimesSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app.js';
import { parseEnterpriseName } from '../src/cases/contact.js';
import { casesRoutes } from '../src/channels/http/cases-routes.js';
import { ConfigSchema } from '../src/config.js';
import { FileConversationStore } from '../src/conversation/state-store.js';
import { removeDamagedCopies } from '../src/housekeeping.js';
import { clock, FIRST_OFFLINE, outcomeFor, service, tempDir } from './cases-helpers.js';
import { filesUnder } from './data-files.js';

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(() => nock.enableNetConnect());

const TOKEN = 'helpdesk-token-0123456789';
const MOBILE = '13912345678';
const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');

function cli(dataDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, ['src/cli/cases.ts', ...args], { cwd: process.cwd(), env: { ...process.env, EKEY_DATA_DIR: dataDir, LOG_LEVEL: 'silent' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Every byte the data folder holds, as text: where a personal detail could still be read. */
const onDisk = (dir: string) => [...filesUnder(dir).values()].map((b) => b.toString('utf8')).join('\n');

async function caseWithContact(dir: string, now?: () => Date) {
  const s = await service(dir, now);
  const c = await s.cases.open({ outcome: await outcomeFor(FIRST_OFFLINE), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' });
  await s.cases.setContact(c.reference, { enterpriseName: '天津示例有限公司', mobile: MOBILE });
  return { ...s, reference: c.reference };
}

describe('personal data does not outlive its lifetime (item 11)', () => {
  it('drops an expired conversation (a contact draft) from the disk at the sweep, not only at some later compaction', async () => {
    const dir = tempDir('ekey-conv-ttl-');
    let now = Date.parse('2026-11-23T00:00:00Z');
    const store = new FileConversationStore(dir, 3_600_000, () => now);
    await store.open();
    const state = {
      lang: 'zh-CN',
      answers: {},
      implied: {},
      details: {},
      history: [],
      misses: 0,
      greeted: true,
      finished: true,
      desk: { contact: { reference: 'EK-20261123-ABCDEF', step: 'code', draft: { mobile: MOBILE } } },
    };
    await store.set('directline:someone', state as never);
    await store.set('directline:other', { ...state, desk: {} } as never);
    expect(onDisk(dir)).toContain(MOBILE);
    now += 2 * 3_600_000;
    await store.set('directline:other', { ...state, desk: {} } as never);
    expect(await store.sweep()).toBe(1);
    expect(onDisk(dir)).not.toContain(MOBILE);
    await store.close();
  });

  it('also when the expired conversation was found expired by a read, or at start-up, rather than by the sweep', async () => {
    const dir = tempDir('ekey-conv-ttl-read-');
    let now = Date.parse('2026-11-23T00:00:00Z');
    const draft = {
      lang: 'zh-CN',
      answers: {},
      implied: {},
      details: {},
      history: [],
      misses: 0,
      greeted: true,
      finished: true,
      desk: { contact: { reference: 'EK-20261123-ABCDEF', step: 'code', draft: { mobile: MOBILE } } },
    };
    const a = new FileConversationStore(dir, 3_600_000, () => now);
    await a.open();
    await a.set('wechat:returning', draft as never);
    now += 2 * 3_600_000;
    // The user comes back after the time to live: the read forgets the old state, a new one is written.
    expect(await a.get('wechat:returning')).toBeUndefined();
    await a.set('wechat:returning', { ...draft, desk: {} } as never);
    await a.sweep();
    expect(onDisk(dir)).not.toContain(MOBILE);
    await a.set('wechat:second', draft as never);
    await a.close();
    now += 2 * 3_600_000;
    const b = new FileConversationStore(dir, 3_600_000, () => now);
    await b.open();
    expect(onDisk(dir)).not.toContain(MOBILE);
    await b.close();
  });

  it('DELETE /api/cases/:ref/contact needs the agent token, erases the contact details from every file and keeps the case', async () => {
    const dir = tempDir('ekey-erase-api-');
    const seeded = await caseWithContact(dir);
    await seeded.store.close();
    const config = ConfigSchema.parse({ LOG_LEVEL: 'silent', EKEY_DATA_DIR: dir, EKEY_RATE_LIMIT_RPS: '0', EKEY_AGENT_TOKEN: TOKEN });
    const app = await createApp(config, { channels: [casesRoutes] });
    try {
      await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/cases/${seeded.reference}/contact`;
      expect((await fetch(url, { method: 'DELETE' })).status).toBe(401);
      expect((await fetch(url, { method: 'DELETE', headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      expect(onDisk(dir)).toContain(MOBILE);
      const res = await fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { case: { reference: string; status: string; contact?: unknown; contactErasedAt?: string } };
      expect(body.case).toMatchObject({ reference: seeded.reference, status: 'advised' });
      expect(body.case.contact).toBeUndefined();
      expect(body.case.contactErasedAt).toBeDefined();
      expect(onDisk(dir)).not.toContain(MOBILE);
      expect(onDisk(dir)).not.toContain('天津示例');
      expect(onDisk(dir)).toContain(seeded.reference);
    } finally {
      await app.close();
    }
  });

  it('npm run cases -- erase-contact REF erases them too', { timeout: 60_000 }, async () => {
    const dir = tempDir('ekey-erase-cli-');
    const seeded = await caseWithContact(dir);
    await seeded.store.close();
    const r = await cli(dir, ['erase-contact', seeded.reference]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(seeded.reference);
    expect(onDisk(dir)).not.toContain(MOBILE);
    const show = await cli(dir, ['show', seeded.reference]);
    expect(show.code).toBe(0);
    expect(show.stdout).not.toContain(MOBILE);
  });

  it('erases the contact details of a case closed longer than the retention, and only those', async () => {
    const dir = tempDir('ekey-erase-auto-');
    const time = clock('2026-01-05T02:00:00Z');
    const closed = await caseWithContact(dir, time.now);
    // Walk the case's lifecycle, never through a rejection, to its final status.
    const lc = closed.cases.lifecycle(await closed.cases.require(closed.reference));
    const final = lc.statuses.find((st) => st.final)?.id as string;
    for (let c = await closed.cases.require(closed.reference); c.status !== final; c = await closed.cases.require(closed.reference)) {
      const next = closed.cases.allowed(c);
      const to = next.includes(final) ? final : (next.find((id) => !lc.statuses.find((x) => x.id === id)?.rejection) as string);
      await closed.cases.transition(closed.reference, { to, agent: 'desk', remark: 'r' });
    }
    const open = await closed.cases.open({ outcome: await outcomeFor(FIRST_OFFLINE), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' });
    await closed.cases.setContact(open.reference, { mobile: '13700001111' });
    time.set('2026-07-01T02:00:00Z');
    expect(await closed.cases.eraseContactsClosedBefore(180)).toEqual([]);
    time.set('2026-07-05T02:00:00Z');
    expect(await closed.cases.eraseContactsClosedBefore(180)).toEqual([closed.reference]);
    expect((await closed.cases.require(closed.reference)).contact).toBeUndefined();
    expect((await closed.cases.require(open.reference)).contact?.mobile).toBe('13700001111');
    expect(onDisk(dir)).not.toContain(MOBILE);
    expect(ConfigSchema.parse({}).EKEY_CONTACT_RETENTION_DAYS).toBe(180);
    expect(() => ConfigSchema.parse({ EKEY_CONTACT_RETENTION_DAYS: '-1' })).toThrow();
    await closed.store.close();
  });
});

describe('enterprise names cannot hide what they are (item 18)', () => {
  it('refuses C1 controls and direction overrides at input', () => {
    for (const bad of ['示例\u202e司公限有', '示例\u0085有限公司', 'Acme\u2066Ltd\u2069', '示例\u200f公司', '示例\u061c公司', '示例\u009b31m公司'])
      expect(parseEnterpriseName(bad), JSON.stringify(bad)).toBeUndefined();
    expect(parseEnterpriseName('天津示例有限公司')).toBe('天津示例有限公司');
  });

  it('the CLI prints a stored name with such characters inert', { timeout: 60_000 }, async () => {
    const dir = tempDir('ekey-inert-');
    const s = await service(dir);
    const c = await s.cases.open({ outcome: await outcomeFor(FIRST_OFFLINE), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'test' });
    // As a record written before names were checked would hold it.
    await s.cases.setContact(c.reference, { enterpriseName: '好公司\u202e\u001b[2J\u0085坏' });
    await s.store.close();
    for (const args of [['show', c.reference], ['list']]) {
      const r = await cli(dir, args);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      expect(r.stdout).toContain('好公司\\u{202e}\\u{001b}[2J\\u{0085}坏');
    }
  });
});

describe('damaged copies are kept for EKEY_DAMAGED_RETENTION_DAYS only (item 20)', () => {
  it('removes copies older than the retention and keeps newer ones and every other file', () => {
    const dir = tempDir('ekey-damaged-');
    mkdirSync(join(dir, 'conversations'));
    const old = join(dir, 'conversations', 'journal.jsonl.2026-01-01T00-00-00-000Z.damaged');
    const fresh = join(dir, 'insights.json.2026-03-01T00-00-00-000Z.damaged');
    const outbox = join(dir, 'o1.json.corrupt');
    const data = join(dir, 'conversations', 'journal.jsonl');
    for (const f of [old, fresh, outbox, data]) writeFileSync(f, 'x');
    const day = 86_400_000;
    const now = Date.parse('2026-03-05T00:00:00Z');
    utimesSync(old, new Date(now - 40 * day), new Date(now - 40 * day));
    utimesSync(outbox, new Date(now - 31 * day), new Date(now - 31 * day));
    utimesSync(fresh, new Date(now - 4 * day), new Date(now - 4 * day));
    utimesSync(data, new Date(now - 400 * day), new Date(now - 400 * day));
    expect(removeDamagedCopies(dir, now - 30 * day).sort()).toEqual(['conversations/journal.jsonl.2026-01-01T00-00-00-000Z.damaged', 'o1.json.corrupt']);
    expect(existsSync(fresh)).toBe(true);
    expect(readFileSync(data, 'utf8')).toBe('x');
    expect(ConfigSchema.parse({}).EKEY_DAMAGED_RETENTION_DAYS).toBe(30);
  });

  it('the running service applies the lifetimes by itself, from its start', async () => {
    const dir = tempDir('ekey-housekeeping-');
    const old = new Date(Date.now() - 100 * 86_400_000).toISOString();
    writeFileSync(
      join(dir, 'insights.json'),
      JSON.stringify({
        version: 1,
        feedback: {},
        notUnderstood: [
          { text: 'an old message', lang: 'en', at: old },
          { text: 'a new message', lang: 'en', at: new Date().toISOString() },
        ],
      }),
    );
    const damaged = join(dir, 'insights.json.2026-01-01T00-00-00-000Z.damaged');
    writeFileSync(damaged, 'x');
    utimesSync(damaged, new Date(Date.now() - 40 * 86_400_000), new Date(Date.now() - 40 * 86_400_000));
    const app = await createApp(ConfigSchema.parse({ LOG_LEVEL: 'silent', EKEY_DATA_DIR: dir }));
    try {
      await vi.waitFor(() => {
        expect(existsSync(damaged)).toBe(false);
        expect(readFileSync(join(dir, 'insights.json'), 'utf8')).not.toContain('an old message');
      });
      expect(readFileSync(join(dir, 'insights.json'), 'utf8')).toContain('a new message');
    } finally {
      await app.close();
    }
  });
});
