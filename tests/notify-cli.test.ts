import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { casesCli as cli, FIRST_OFFLINE, outcomeFor } from './cases-helpers.js';
import { offline, start, wechatApi, wechatCase } from './notify-helpers.js';

offline();

const incoming = (dataDir: string) => {
  try {
    return readdirSync(join(dataDir, 'outbox', 'incoming'));
  } catch {
    return [];
  }
};

describe('a move made with npm run cases is told to the enterprise', () => {
  it('beside the running service: the WeChat user gets the notice once, as for a move in the desk', { timeout: 60_000 }, async () => {
    const api = wechatApi();
    const { app, w, dataDir } = await start();
    const reference = await wechatCase(app, w, 'o-cli-1');
    const told = () => api.custom.filter((m) => m.content.includes('有新进展'));

    const moved = await cli(dataDir, ['advance', reference, 'submitted', '--agent', '刘洋']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toContain('已通知企业');
    const rejected = await cli(dataDir, ['advance', reference, '核验未通过', '--agent', '刘洋', '--remark', '申请表未签字', '--resubmit', 'application-form']);
    expect(rejected.code, rejected.stderr).toBe(0);

    await vi.waitFor(() => expect(told()).toHaveLength(2), { timeout: 15_000 });
    expect(told().every((m) => m.touser === 'o-cli-1' && m.content.includes(reference))).toBe(true);
    expect(told()[0]!.content).toContain('核验中');
    expect(told()[1]!.content).toContain('申请表未签字');
    // The service took both into its own outbox (in order) and left nothing behind in the hand-over folder.
    expect((await app.ctx.notify!.outbox.list()).map((n) => [n.id, n.state])).toEqual([
      [`case:${reference}:2`, 'sent'],
      [`case:${reference}:3`, 'sent'],
    ]);
    expect(incoming(dataDir)).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    expect(told()).toHaveLength(2);
  });

  it('with the service stopped: the notice waits on disk and goes out once the service starts again', { timeout: 60_000 }, async () => {
    const api = wechatApi();
    // The 48-hour window of a user's last message is not known after a restart: the template message goes.
    const env = { WECHAT_TEMPLATE_CASE: 'TPL_case_0123456789' };
    const first = await start(env);
    const reference = await wechatCase(first.app, first.w, 'o-cli-2');
    await first.close();

    const moved = await cli(first.dataDir, ['advance', reference, 'submitted', '--agent', '刘洋']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(incoming(first.dataDir)).toHaveLength(1);

    const second = await start(env, first.dataDir);
    await vi.waitFor(() => expect(api.templates).toHaveLength(1), { timeout: 15_000 });
    expect(api.templates[0]).toMatchObject({ touser: 'o-cli-2', template_id: 'TPL_case_0123456789' });
    expect(api.templates[0]!.data.reference!.value).toBe(reference);
    expect(incoming(first.dataDir)).toEqual([]);
    expect((await second.app.ctx.notify!.outbox.list()).map((n) => n.state)).toEqual(['sent']);
    expect(api.custom.filter((m) => m.content.includes(reference))).toHaveLength(0);
  });

  it('a case with nowhere to tell (opened without a channel target) is moved without a notice, and says nothing of one', { timeout: 60_000 }, async () => {
    wechatApi();
    const { app, dataDir } = await start();
    const c = await app.ctx.cases!.open({ outcome: await outcomeFor(FIRST_OFFLINE), answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'api' });
    const moved = await cli(dataDir, ['advance', c.reference, 'submitted', '--agent', '刘洋']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).not.toContain('已通知企业');
    expect(incoming(dataDir)).toEqual([]);
  });
});
