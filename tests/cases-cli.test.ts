import { execFile, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileCaseStore } from '../src/cases/file-store.js';
import { casesCli as cli, clock, FIRST_OFFLINE, outcomeFor, service, tsx } from './cases-helpers.js';

beforeAll(() => nock.disableNetConnect());

describe('npm run cases', () => {
  it('lists, shows and advances cases in the same store as the service', { timeout: 60_000 }, async () => {
    const { dir, cases, store } = await service();
    const outcome = await outcomeFor(FIRST_OFFLINE);
    const a = await cases.open({ outcome, answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'wechat' });
    const b = await cases.open({ outcome, answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'wechat' });
    await cases.setContact(b.reference, { enterpriseName: '天津示例有限公司', mobile: '13800138000' });

    const list = await cli(dir, ['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(a.reference);
    expect(list.stdout).toContain('天津示例有限公司');
    expect(list.stdout).toContain('共 2 件');

    const json = JSON.parse((await cli(dir, ['list', '--text', '天津', '--json'])).stdout);
    expect(json.items.map((x: { reference: string }) => x.reference)).toEqual([b.reference]);

    const show = await cli(dir, ['show', b.reference]);
    expect(show.stdout).toContain('当前状态：已给出办理指引，待递交材料 [advised]');
    expect(show.stdout).toContain('可变更为：submitted');
    expect(show.stdout).toContain('13800138000');

    const advanced = await cli(dir, ['advance', a.reference, 'submitted', '--agent', '刘洋']);
    expect(advanced.code).toBe(0);
    expect(advanced.stdout).toContain('已变更为“已递交材料');
    const rejected = await cli(dir, ['advance', a.reference, 'verification-failed', '--agent', '刘洋', '--remark', '申请表未签字', '--resubmit', 'application-form']);
    expect(rejected.code).toBe(0);

    // The running service's store sees the terminal's changes.
    const seen = await store.get(a.reference);
    expect(seen?.status).toBe('verification-failed');
    expect(seen?.history.at(-1)).toMatchObject({ agent: '刘洋', remark: '申请表未签字', resubmit: ['application-form'] });

    const illegal = await cli(dir, ['advance', a.reference, 'collected', '--agent', '刘洋']);
    expect(illegal.code).toBe(1);
    expect(illegal.stderr).toContain('不能变更为“已领取电子钥匙”');
    expect(illegal.stderr).toContain('submitted');

    expect((await cli(dir, ['advance', a.reference, 'submitted'])).code).toBe(2);
    expect((await cli(dir, ['show', '../etc/passwd'])).code).toBe(2);
    expect((await cli(dir, ['show', 'EK-20261123-ABCDEF'])).stderr).toContain('没有该业务编号的案件');
    expect((await cli(dir, ['list', '--page', '0'])).code).toBe(2);
    const english = await cli(dir, ['show', a.reference, '--lang', 'en']);
    expect(english.stdout).toContain('Status: Not verified (核验未通过) [verification-failed]');

    const reopened = await FileCaseStore.open(dir);
    expect((await reopened.get(a.reference))?.history).toHaveLength(3);
    // Every run closed the store, refusals too: no owner file of a terminal process is left behind.
    expect(readdirSync(join(dir, 'cases')).filter((n) => n.startsWith('.lock') && !n.endsWith(`.${process.pid}`))).toEqual([]);
  });

  it('takes and prints procedures and statuses in words of either language, with Beijing dates and phone numbers as written', { timeout: 90_000 }, async () => {
    // 23:30 in Beijing: still 1 December there, 15:30 UTC.
    const { dir, cases } = await service(undefined, clock('2026-12-01T15:30:00Z').now);
    const a = await cases.open({ outcome: await outcomeFor(FIRST_OFFLINE), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'wechat' });
    await cases.setContact(a.reference, { enterpriseName: '天津示例有限公司', mobile: '13812345678' });
    const replace = { need: 'replace', lossKind: 'lost', enterpriseType: 'domestic' };
    const b = await cases.open({ outcome: await outcomeFor(replace), answers: replace, lang: 'en', channel: 'web' });

    const zh = await cli(dir, ['list', '--procedure', '补办', '--from', '2026-12-01', '--to', '2026-12-01']);
    expect(zh.code).toBe(0);
    expect(zh.stdout).toContain(b.reference);
    expect(zh.stdout).not.toContain(a.reference);
    expect(zh.stdout).toContain('2026-12-01  |  已给出办理指引，待递交材料  |  补办电子钥匙');
    const en = await cli(dir, ['list', '--procedure', 'E-key replacement', '--status', '待递交材料', '--lang', 'en']);
    expect(en.stdout).toContain('Guidance given, materials not yet submitted (已给出办理指引，待递交材料)  |  E-key replacement');
    expect(en.stdout).toContain(b.reference);
    expect(en.stdout).not.toContain(a.reference);

    const phone = await cli(dir, ['list', '--text', '138 1234 5678']);
    expect(phone.stdout).toContain(a.reference);
    expect(phone.stdout).not.toContain(b.reference);
    expect((await cli(dir, ['list', '--text', '+86 138-1234-5678', '--json'])).stdout).toContain(`"createdOn": "2026-12-01"`);

    const refused = await cli(dir, ['list', '--procedure', '办护照']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('没有名为“办护照”的业务');

    // Its answers changed before submission: the history says which, and what the case was until then.
    const online = { ...FIRST_OFFLINE, applyMode: 'online' };
    expect(await cases.revise(a.reference, { outcome: await outcomeFor(online), answers: online, lang: 'zh-CN', channel: 'wechat' })).toBeDefined();
    const shown = await cli(dir, ['show', a.reference]);
    expect(shown.stdout).toContain('2026-12-01 23:30');
    expect(shown.stdout).toContain('回答已更改；此前为：首次申领（线下申请）');
    expect(shown.stdout).toContain('申请方式：线下申请 → 在线预申请');
    const advanced = await cli(dir, ['advance', a.reference, '已递交材料', '--agent', '刘洋']);
    expect(advanced.code).toBe(0);
    expect((await cases.require(a.reference)).status).toBe('submitted');
    expect((await cli(dir, ['list', '--status', 'Materials submitted'])).stdout).toContain(a.reference);
  });

  it('exits quietly when the reader of its output goes away', { timeout: 60_000 }, async () => {
    const { dir, cases } = await service();
    const outcome = await outcomeFor(FIRST_OFFLINE);
    for (let i = 0; i < 30; i += 1) await cases.open({ outcome, answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'wechat' });
    const env = { ...process.env, EKEY_DATA_DIR: dir, LOG_LEVEL: 'silent' };
    // As typed: `npm run cases -- list | head -1`.
    const piped = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile('bash', ['-c', `"${tsx}" src/cli/cases.ts list | head -1; exit \${PIPESTATUS[0]}`], { cwd: process.cwd(), env }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
    expect(piped.stdout.trim().split('\n')).toHaveLength(1);
    // The reader gone before the first line: every write meets a closed pipe.
    const closed = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(tsx, ['src/cli/cases.ts', 'list', '--page-size', '200'], { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(closed.stderr).toBe('');
    expect(closed.code).toBe(0);
    expect(readdirSync(join(dir, 'cases')).filter((n) => n.startsWith('.lock') && !n.endsWith(`.${process.pid}`))).toEqual([]);
  });
});
