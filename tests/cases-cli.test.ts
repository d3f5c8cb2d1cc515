import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileCaseStore } from '../src/cases/file-store.js';
import { FIRST_OFFLINE, outcomeFor, service } from './cases-helpers.js';

beforeAll(() => nock.disableNetConnect());

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');

function cli(dataDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, ['src/cli/cases.ts', ...args], { cwd: process.cwd(), env: { ...process.env, EKEY_DATA_DIR: dataDir, LOG_LEVEL: 'silent' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

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
});
