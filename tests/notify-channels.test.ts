import { rmSync } from 'node:fs';
import nock from 'nock';
import { describe, expect, it, vi } from 'vitest';
import { activity, startMockChannel, type MockChannel } from './botframework-server.js';
import { FIRST_OFFLINE, outcomeFor } from './cases-helpers.js';
import { API_BASE } from './wechat-client.js';
import { offline, REF, running, start, wechatApi, wechatCase } from './notify-helpers.js';

offline();

describe('the enterprise is told when its case moves', () => {
  it('on WeChat within 48 hours: a customer-service message naming the reference, the status, the remark and the next step, after the API was down', async () => {
    const api = wechatApi();
    const { app, w, move } = await start();
    const reference = await wechatCase(app, w, 'o-enterprise-1');
    // The outcome's later parts go out through the customer-service API once the passive reply is gone; they
    // must be through before the API goes down, or the failures meant for the notices fall on them instead.
    await vi.waitFor(() => expect(api.custom.length).toBeGreaterThan(0), { timeout: 10_000 });
    await w.channel.settled();
    api.down(3);
    const told = () => api.custom.filter((m) => m.content.includes('有新进展'));
    const r = await move(reference, { to: 'submitted', agent: 'Wang' });
    expect(r.status).toBe(200);
    const moved = await move(reference, { to: 'verification-failed', agent: 'Wang', remark: '授权委托书未盖公章', resubmit: ['power-of-attorney'] });
    expect(moved.status).toBe(200);
    await vi.waitFor(() => expect(told()).toHaveLength(2), { timeout: 10_000 });
    const notices = told();
    expect(notices.every((n) => n.touser === 'o-enterprise-1' && n.content.includes(reference))).toBe(true);
    expect(notices[0]!.content).toContain('核验中');
    expect(notices[1]!.content).toContain('核验未通过');
    expect(notices[1]!.content).toContain('授权委托书未盖公章');
    expect(notices[1]!.content).toContain('下一步');
    // Sent once: nothing more arrives later.
    await new Promise((r) => setTimeout(r, 300));
    expect(told()).toHaveLength(2);
  });

  it('on WeChat after the window: the template message of WECHAT_TEMPLATE_CASE', async () => {
    const api = wechatApi();
    const { app, move } = await start({ WECHAT_TEMPLATE_CASE: 'TPL_case_0123456789' });
    const outcome = await outcomeFor(FIRST_OFFLINE);
    const c = await app.ctx.cases!.open({ outcome, answers: FIRST_OFFLINE, lang: 'en', channel: 'wechat', notify: { kind: 'wechat', openid: 'o-long-ago' } });
    expect((await move(c.reference, { to: 'submitted', agent: 'Li' })).status).toBe(200);
    await vi.waitFor(() => expect(api.templates).toHaveLength(1), { timeout: 5_000 });
    expect(api.templates[0]!.template_id).toBe('TPL_case_0123456789');
    expect(api.templates[0]!.touser).toBe('o-long-ago');
    expect(api.templates[0]!.data.reference!.value).toBe(c.reference);
    expect(api.templates[0]!.data.first!.value).toContain(c.reference);
    expect(api.custom).toHaveLength(0);
  });

  it('without a template after the window the notice is dropped, not retried', async () => {
    const api = wechatApi();
    const { app, move } = await start();
    const outcome = await outcomeFor(FIRST_OFFLINE);
    const c = await app.ctx.cases!.open({ outcome, answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'wechat', notify: { kind: 'wechat', openid: 'o-long-ago' } });
    expect((await move(c.reference, { to: 'submitted', agent: 'Li' })).status).toBe(200);
    await vi.waitFor(async () => expect((await app.ctx.notify!.outbox.list()).map((n) => n.state)).toEqual(['dropped']), { timeout: 5_000 });
    expect(api.templates).toHaveLength(0);
    expect(api.custom).toHaveLength(0);
  });

  it('a notice stored while WeChat is down survives a restart on the same data folder and is sent once', async () => {
    nock(API_BASE).persist().get('/cgi-bin/token').query(true).reply(200, { access_token: 'ACCESS-1', expires_in: 7200 });
    nock(API_BASE).persist().post('/cgi-bin/message/template/send').query(true).reply(503, 'down');
    const first = await start({ WECHAT_TEMPLATE_CASE: 'TPL_case_0123456789' });
    const outcome = await outcomeFor(FIRST_OFFLINE);
    const c = await first.app.ctx.cases!.open({ outcome, answers: FIRST_OFFLINE, lang: 'zh-CN', channel: 'wechat', notify: { kind: 'wechat', openid: 'o-restart' } });
    expect((await first.move(c.reference, { to: 'submitted', agent: 'Li' })).status).toBe(200);
    // Tried and failed at least once, not through.
    await vi.waitFor(async () => expect((await first.app.ctx.notify!.outbox.list())[0]).toMatchObject({ state: 'pending', attempts: expect.toSatisfy((n: number) => n >= 1) }), {
      timeout: 10_000,
    });
    await first.close();
    nock.cleanAll();
    const api = wechatApi();
    const second = await start({ WECHAT_TEMPLATE_CASE: 'TPL_case_0123456789' }, first.dataDir);
    await vi.waitFor(() => expect(api.templates).toHaveLength(1), { timeout: 5_000 });
    expect(api.templates[0]!.data.reference!.value).toBe(c.reference);
    await new Promise((r) => setTimeout(r, 300));
    expect(api.templates).toHaveLength(1);
    await second.close();
    rmSync(first.dataDir, { recursive: true, force: true });
  });

  it('on Bot Framework: a proactive activity at the stored serviceUrl', async () => {
    wechatApi();
    const mock: MockChannel = await startMockChannel();
    running.push(() => mock.close());
    const { app, url, move } = await start();
    for (const text of ['第一次申请', '线下', '内资']) {
      const res = await fetch(`${url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity({ text, serviceUrl: mock.serviceUrl, conversation: { id: 'conv-notify' } })),
      });
      expect(res.status).toBe(200);
    }
    const page = await app.ctx.cases!.list({ offset: 0, limit: 10 });
    const c = page.items.find((x) => x.notify?.kind === 'botframework');
    expect(c?.notify).toMatchObject({ kind: 'botframework', conversationId: 'conv-notify', serviceUrl: mock.serviceUrl });
    const before = mock.received.length;
    expect((await move(c!.reference, { to: 'submitted', agent: 'Zhao' })).status).toBe(200);
    await vi.waitFor(() => expect(mock.received.length).toBeGreaterThan(before), { timeout: 5_000 });
    const got = mock.received.slice(before);
    expect(got[0]!.path).toContain('/v3/conversations/conv-notify/activities');
    const text = JSON.stringify(got.map((g) => g.activity));
    expect(text).toMatch(REF);
    expect(text).toContain(c!.reference);
    await new Promise((r) => setTimeout(r, 300));
    expect(mock.received.slice(before).filter((g) => JSON.stringify(g.activity).includes(c!.reference))).toHaveLength(1);
  });
});
