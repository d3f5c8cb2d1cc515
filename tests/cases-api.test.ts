import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/app.js';
import { casesRoutes } from '../src/channels/http/cases-routes.js';
import { ConfigSchema } from '../src/config.js';
import type { CaseRecord } from '../src/cases/case-schema.js';
import { checklistPath } from '../src/cases/checklist-link.js';
import { FIRST_OFFLINE, outcomeFor, tempDir } from './cases-helpers.js';

const TOKEN = 'helpdesk-token-0123456789';

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(() => nock.enableNetConnect());

const running: App[] = [];
afterEach(async () => {
  for (const app of running.splice(0)) await app.close();
});

async function start(env: Record<string, string> = { EKEY_AGENT_TOKEN: TOKEN }) {
  const dataDir = tempDir('ekey-api-');
  const config = ConfigSchema.parse({ LOG_LEVEL: 'silent', EKEY_DATA_DIR: dataDir, EKEY_RATE_LIMIT_RPS: '0', ...env });
  const app = await createApp(config, { channels: [casesRoutes] });
  running.push(app);
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const call = async (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    const token = init.token === undefined ? TOKEN : init.token;
    if (token !== null) headers.set('authorization', `Bearer ${token}`);
    const res = await fetch(`${url}${path}`, { ...init, headers });
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      // HTML pages stay text.
    }
    return { status: res.status, body, headers: res.headers };
  };
  const post = (path: string, body: unknown, extra: RequestInit & { token?: string | null } = {}) =>
    call(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, ...extra });
  return { app, url, call, post };
}

async function seed(app: App, n: number, answers: Record<string, string> = FIRST_OFFLINE, channel = 'directline'): Promise<CaseRecord[]> {
  const outcome = await outcomeFor(answers);
  const out = [];
  for (let i = 0; i < n; i += 1) out.push(await app.ctx.cases!.open({ outcome, answers, lang: 'zh-CN', channel }));
  return out;
}

describe('the agent API', () => {
  it('is off, not open, when no token is configured', async () => {
    const { call, post } = await start({});
    for (const r of [
      await call('/api/cases', { token: null }),
      await call('/api/cases', { token: 'anything-at-all-123' }),
      await post('/api/cases/EK-20261123-ABCDEF/transitions', { to: 'submitted', agent: 'A' }),
    ]) {
      expect(r.status).toBe(503);
      expect(r.body.code).toBe('AgentApiDisabled');
      expect(r.body.message).toContain('EKEY_AGENT_TOKEN');
    }
  });

  it('answers 401 without a token and with a wrong one', async () => {
    const { app, call } = await start();
    const [c] = await seed(app, 1);
    for (const token of [null, '', 'wrong-token-0123456789', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const r = await call(`/api/cases/${c!.reference}`, { token });
      expect(r.status, String(token)).toBe(401);
      expect(r.body.code).toBe('Unauthorized');
      expect(JSON.stringify(r.body)).not.toContain(c!.reference);
      expect(r.headers.get('www-authenticate')).toContain('Bearer');
    }
    expect((await call('/api/cases', { headers: { authorization: `Basic ${TOKEN}` }, token: null })).status).toBe(401);
    expect((await call(`/api/cases/${c!.reference}`)).status).toBe(200);
  });

  it('lists with filters and pages', async () => {
    const { app, call } = await start();
    const first = await seed(app, 7);
    const revoke = await seed(app, 2, { need: 'revoke' }, 'wechat');
    await app.ctx.cases!.transition(first[0]!.reference, { to: 'submitted', agent: 'A' });
    await app.ctx.cases!.setContact(first[1]!.reference, { enterpriseName: '广州示例贸易有限公司' });
    await app.ctx.cases!.setContact(first[2]!.reference, { mobile: '13800138000', creditCode: '91440101MA5ABCDE1X' });

    const all = await call('/api/cases?pageSize=4');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 9, page: 1, pageSize: 4, pages: 3 });
    expect(all.body.items).toHaveLength(4);
    expect(all.body.items[0].reference).toBe(revoke[1]!.reference);
    const last = await call('/api/cases?pageSize=4&page=3');
    expect(last.body.items.map((x: { reference: string }) => x.reference)).toEqual([first[0]!.reference]);
    const beyond = await call('/api/cases?pageSize=4&page=9');
    expect(beyond.body).toMatchObject({ total: 9, items: [] });

    expect((await call('/api/cases?procedure=revoke')).body.total).toBe(2);
    const submitted = await call('/api/cases?status=submitted');
    expect(submitted.body.items.map((x: { reference: string }) => x.reference)).toEqual([first[0]!.reference]);
    expect(submitted.body.items[0].statusLabel).toBe('已递交材料，发证机构（审批机关）核验中');
    expect((await call(`/api/cases?text=${encodeURIComponent('示例贸易')}`)).body.items[0].enterpriseName).toBe('广州示例贸易有限公司');
    const today = first[0]!.reference.slice(3, 11).replace(/(\d{4})(\d{2})(\d{2})/, '$1-$2-$3');
    expect((await call(`/api/cases?from=${today}&to=${today}`)).body.total).toBe(9);
    expect((await call('/api/cases?to=2001-01-01')).body.total).toBe(0);
    expect((await call('/api/cases?status=submitted', { headers: { 'accept-language': 'en' } })).body.items[0].statusLabel).toContain('Materials submitted');
    for (const text of ['138 0013 8000', '138-0013-8000', '+86 13800138000', '１３８００１３８０００', '0013 8', '91440101ma5abcde1x'])
      expect(
        (await call(`/api/cases?text=${encodeURIComponent(text)}`)).body.items.map((x: { reference: string }) => x.reference),
        text,
      ).toEqual([first[2]!.reference]);
    // The same filters in words of either language, whatever the language of the answer.
    for (const status of ['已递交材料', 'Materials submitted', 'SUBMITTED'])
      expect(
        (await call(`/api/cases?status=${encodeURIComponent(status)}`)).body.items.map((x: { reference: string }) => x.reference),
        status,
      ).toEqual([first[0]!.reference]);
    expect((await call(`/api/cases?procedure=${encodeURIComponent('注销')}`)).body.total).toBe(2);
    expect((await call(`/api/cases?procedure=${encodeURIComponent('Digital certificate revocation')}&from=${today}&to=${today}`)).body.total).toBe(2);
  });

  it('refuses bad filters with 400 and the reason', async () => {
    const { call } = await start();
    for (const q of ['page=0', 'pageSize=500', 'from=2026-13', 'colour=red', 'page=abc', 'status=a&status=b']) {
      const r = await call(`/api/cases?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.code).toBe('BadQuery');
      expect(r.body.message).toMatch(/查询参数有误/);
    }
    // A status or procedure may be given in words: words that name none are refused with the words that do.
    const unknown = await call(`/api/cases?status=${encodeURIComponent('Not An Id')}`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('UnknownFilter');
    expect(unknown.body.message).toContain('没有名为“Not An Id”的状态');
    expect(unknown.body.known).toContain('submitted');
  });

  it('shows a case with its status in words and what may follow', async () => {
    const { app, call } = await start();
    const [c] = await seed(app, 1);
    const r = await call(`/api/cases/${c!.reference}`);
    expect(r.status).toBe(200);
    expect(r.body.case.reference).toBe(c!.reference);
    expect(r.body.statusLabel).toBe('已给出办理指引，待递交材料');
    expect(r.body.allowed.map((a: { status: string }) => a.status)).toEqual(['submitted', 'closed']);
    expect(r.body.allowed[1]).toMatchObject({ status: 'closed', remark: 'required' });
    expect((await call('/api/cases/EK-20261123-ABCDEF')).status).toBe(404);
  });

  it('refuses references with path tricks before looking anything up', async () => {
    const { call } = await start();
    for (const ref of ['..%2F..%2Fetc%2Fpasswd', 'EK-20261123-ABCDE0', 'ek-20261123-abcdef', 'EK-20261123-ABCDEF%00', '%2E%2E', 'EK-20261123-ABCDEF.json']) {
      const r = await call(`/api/cases/${ref}`);
      expect([400, 404], ref).toContain(r.status);
      if (r.status === 400) expect(r.body.code).toBe('BadReference');
    }
    expect((await call('/api/cases/EK-20261123-ABCDE0')).body.code).toBe('BadReference');
    expect((await call('/api/cases/..%2F..%2Fetc%2Fpasswd')).status).toBe(400);
  });

  it('moves a case along, refusing an illegal step with 409 and the allowed ones', async () => {
    const { app, post, call } = await start();
    const [c] = await seed(app, 1);
    const path = `/api/cases/${c!.reference}/transitions`;
    const illegal = await post(path, { to: 'collected', agent: '张伟' });
    expect(illegal.status).toBe(409);
    expect(illegal.body).toMatchObject({ code: 'IllegalTransition', from: 'advised', to: 'collected', allowed: ['submitted', 'closed'] });
    expect(illegal.body.message).toContain('已领取电子钥匙');

    expect((await post(path, { to: 'submitted', agent: '张伟' })).status).toBe(200);
    const rejected = await post(path, { to: 'verification-failed', agent: '张伟', remark: '授权委托书未盖公章', resubmit: ['power-of-attorney'] });
    expect(rejected.status).toBe(200);
    expect(rejected.body.case.status).toBe('verification-failed');
    expect(rejected.body.case.history.at(-1)).toMatchObject({ remark: '授权委托书未盖公章', resubmit: ['power-of-attorney'], agent: '张伟' });
    expect(rejected.body.allowed.map((a: { status: string }) => a.status)).toEqual(['submitted', 'closed']);
    expect((await call(`/api/cases/${c!.reference}`)).body.case.status).toBe('verification-failed');
  });

  it('refuses a malformed transition with 400 and the reason', async () => {
    const { app, post, call } = await start();
    const [c] = await seed(app, 1);
    const path = `/api/cases/${c!.reference}/transitions`;
    expect((await post(path, { to: 'submitted' })).body).toMatchObject({ code: 'BadBody' });
    expect((await post(path, { to: 'submitted', agent: 'A', extra: 1 })).status).toBe(400);
    expect((await post(path, { to: 'closed', agent: 'A' })).body).toMatchObject({ code: 'remarkRequired' });
    expect((await post(path, { to: 'nowhere', agent: 'A' })).body).toMatchObject({ code: 'unknownStatus', allowed: ['submitted', 'closed'] });
    expect((await call(path, { method: 'POST', body: '{"to":', headers: { 'content-type': 'application/json' } })).body).toMatchObject({ code: 'BadJson' });
    expect((await call(path, { method: 'POST', body: 'to=submitted', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(415);
    expect((await post(path, { to: 'submitted', agent: 'A', remark: 'x'.repeat(20_000) })).status).toBe(413);
    expect((await post('/api/cases/EK-20261123-ABCDEF/transitions', { to: 'submitted', agent: 'A' })).status).toBe(404);
    expect((await call(`/api/cases/${c!.reference}`)).body.case.history).toHaveLength(1);
  });

  it('records that a call-back was made', async () => {
    const { app, post, call } = await start();
    const [c] = await seed(app, 1);
    await app.ctx.cases!.requestCallback(c!.reference);
    expect((await call('/api/cases?callback=true')).body.total).toBe(1);
    const done = await post(`/api/cases/${c!.reference}/callback`, { agent: '赵敏' });
    expect(done.status).toBe(200);
    expect(done.body.case.callback).toMatchObject({ doneBy: '赵敏' });
    expect((await call('/api/cases?callback=true')).body.total).toBe(0);
  });
});

describe('the printable checklist', () => {
  it('is an A4 page with every material, its signature, seal, quantity and a box to tick', async () => {
    const { app, call } = await start({});
    const [c] = await seed(app, 1);
    const r = await call(checklistPath(c!), { token: null });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/html');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = r.body as string;
    expect(html).toContain('@page { size: A4');
    expect(html).toContain(c!.reference);
    expect(html).toContain('<html lang="zh-CN">');
    for (const name of ['进出口企业电子钥匙与电子认证证书申请表', '对外贸易经营者备案登记表复印件', '营业执照副本复印件', '授权用户的身份证复印件', '授权用户的授权委托书'])
      expect(html).toContain(name);
    expect(html).not.toContain('外商投资企业批准证书复印件');
    expect(html.match(/class="box"/g)).toHaveLength(5);
    expect(html).toContain('法人签字');
    expect(html).toContain('盖公章');
    expect(html).toContain('1份');
    expect(html).toContain(c!.expected[1]!.end);
    expect(html).toContain('010－58103599');
    expect(html).toContain('之后电子钥匙由快递寄出至发证机构（审批机关）');
    expect(html).not.toContain('快递时间不计在内');
    expect(html).not.toMatch(/<script/i);
  });

  it('comes in English with the Chinese document names kept', async () => {
    const { app, call } = await start({});
    const [c] = await seed(app, 1);
    const html = (await call(checklistPath({ ...c!, lang: 'en' }), { token: null })).body as string;
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Materials to prepare');
    expect(html).toContain('营业执照副本复印件');
  });

  it('links itself in the other language and in 大字版 with the case’s key, each of which opens; a size it does not know is refused', async () => {
    const { app, call } = await start({});
    const [c] = await seed(app, 1);
    const html = (await call(checklistPath(c!), { token: null })).body as string;
    const links = [...html.matchAll(/<nav[^>]*>(.*?)<\/nav>/gs)].flatMap((m) => [...(m[1] ?? '').matchAll(/href="([^"]+)"/g)].map((h) => (h[1] ?? '').replace(/&amp;/g, '&')));
    expect(links).toHaveLength(2);
    for (const link of links) {
      expect(link).toContain(`key=${c!.checklistKey}`);
      expect((await call(link, { token: null })).status, link).toBe(200);
    }
    const large = (await call(links.find((l) => l.includes('size=large')) as string, { token: null })).body as string;
    expect(large).toContain('<html lang="zh-CN" class="large">');
    expect(large).toContain('标准字号');
    expect((await call(`${checklistPath(c!)}&size=huge`, { token: null })).status).toBe(400);
  });

  it('escapes everything it prints', async () => {
    const { app, call } = await start({});
    const [c] = await seed(app, 1);
    await app.ctx.cases!.transition(c!.reference, { to: 'closed', agent: '<script>x</script>', remark: '<img src=x onerror=alert(1)>' });
    const html = (await call(checklistPath(c!), { token: null })).body as string;
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>');
  });

  it('refuses a malformed reference and says so for an unknown one, never with a stack', async () => {
    const { call } = await start({});
    const bad = await call('/cases/..%2F..%2Fpackage.json/checklist', { token: null });
    expect(bad.status).toBe(400);
    const unknown = await call('/cases/EK-20261123-ABCDEF/checklist', { token: null });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('未找到');
    expect((await call('/cases/EK-20261123-ABCDEF/checklist?lang=fr', { token: null })).status).toBe(400);
  });

  it('opens only with the case’s own key: a bare reference, a wrong key or another case’s key get the same 404 as an unknown case (attack: probing references)', async () => {
    const { app, call } = await start({});
    const [c, other] = await seed(app, 2);
    expect(c!.checklistKey).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(other!.checklistKey).not.toBe(c!.checklistKey);
    const unknown = await call('/cases/EK-20261123-ABCDEF/checklist', { token: null });
    const probes = [
      `/cases/${c!.reference}/checklist`,
      `/cases/${c!.reference}/checklist?key=`,
      `/cases/${c!.reference}/checklist?key=${'A'.repeat(22)}`,
      `/cases/${c!.reference}/checklist?key=${other!.checklistKey}`,
      `/cases/${c!.reference}/checklist?key=${c!.checklistKey!.slice(0, 21)}`,
    ];
    for (const path of probes) {
      const r = await call(path, { token: null });
      expect(r.status, path).toBe(404);
      expect(r.body, path).toBe(unknown.body);
    }
    expect((await call(checklistPath(c!), { token: null })).status).toBe(200);
  });
});
