import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { casesRoutes } from '../src/channels/http/cases-routes.js';
import { newToken, type RunningServer, startServer, until } from './directline-helpers.js';
import { openStream, pollAll, postActivity, startConversation, type StreamLog } from './directline-stream-helpers.js';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');

const AGENT = 'helpdesk-token-0123456789';
const REF = /EK-\d{8}-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6}/;

const servers: RunningServer[] = [];
const streams: StreamLog[] = [];
afterEach(async () => {
  for (const s of streams.splice(0)) s.ws.close();
  for (const s of servers.splice(0)) await s.close();
});

/** The service with the web widget's Direct Line and the agents' API; idle conversations swept every 20 ms of the test's time. */
async function service() {
  const server = await startServer({ EKEY_AGENT_TOKEN: AGENT }, { sweepIntervalMs: 20 }, () => [casesRoutes]);
  servers.push(server);
  return server;
}

interface Activity {
  id: string;
  type: string;
  text?: string;
  replyToId?: string;
  from: { role?: string };
}

/** A visit of the widget from one browser (its user id kept, as the widget keeps it), consulted to an outcome that opens a case. */
async function visit(server: RunningServer, userId: string) {
  const { token } = await newToken(server.url, { user: { id: userId } });
  const started = await startConversation(server.url, token, { locale: 'zh-CN' });
  const activities = () => pollAll(server.url, started.conversationId, started.token).then((p) => p.activities as Activity[]);
  return { ...started, activities };
}

async function consultToCase(server: RunningServer, v: { conversationId: string; token: string }): Promise<string> {
  for (const text of ['第一次申请', '线下', '内资'])
    expect((await postActivity(server.url, v.conversationId, v.token, { type: 'message', text, from: { id: 'x' } })).status).toBe(200);
  const page = await server.app.ctx.cases!.list({ offset: 0, limit: 10 });
  const c = page.items.find((x) => x.notify?.kind === 'directline' && x.notify.conversationId === v.conversationId);
  expect(c, 'the case records the widget conversation to tell').toBeDefined();
  return c!.reference;
}

/** An agent moves the case through the agents' API. */
async function move(server: RunningServer, reference: string, body: Record<string, unknown>) {
  const res = await fetch(`${server.url}/api/cases/${reference}/transitions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${AGENT}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

const notices = (activities: readonly Activity[], reference: string) => activities.filter((a) => a.from.role === 'bot' && a.text?.includes(`您的业务 ${reference} 有新进展`));

describe('a case moved by an agent reaches the web widget through Direct Line', () => {
  it('in the live conversation, by polling: the notice names the reference, the new status and the remark, once', async () => {
    const server = await service();
    const v = await visit(server, 'browser-poll');
    const reference = await consultToCase(server, v);
    expect(reference).toMatch(REF);
    await move(server, reference, { to: 'submitted', agent: 'Wang' });
    await move(server, reference, { to: 'verification-failed', agent: 'Wang', remark: '授权委托书未盖公章', resubmit: ['power-of-attorney'] });

    const told = await until('both notices in the conversation', async () => {
      const found = notices(await v.activities(), reference);
      return found.length === 2 ? found : undefined;
    });
    expect(told[0]!.text).toContain('核验中');
    expect(told[1]!.text).toContain('核验未通过');
    expect(told[1]!.text).toContain('授权委托书未盖公章');
    expect(told.map((a) => a.replyToId)).toEqual([`case:${reference}:2`, `case:${reference}:3`]);
    expect((await server.app.ctx.notify!.outbox.list()).map((n) => n.state)).toEqual(['sent', 'sent']);
    await new Promise((r) => setTimeout(r, 200));
    expect(notices(await v.activities(), reference)).toHaveLength(2);
  });

  it('in the live conversation, on its WebSocket stream', async () => {
    const server = await service();
    const v = await visit(server, 'browser-stream');
    expect(v.streamUrl).toBeDefined();
    const stream = await openStream(v.streamUrl!);
    streams.push(stream);
    const reference = await consultToCase(server, v);
    await move(server, reference, { to: 'submitted', agent: 'Wang' });
    const streamed = await until('the notice on the stream', () => {
      const found = notices(
        stream.sets.flatMap((s) => s.activities),
        reference,
      );
      return found.length > 0 ? found : undefined;
    });
    expect(streamed).toHaveLength(1);
    expect(streamed[0]!.text).toContain('核验中');
    expect(streamed[0]!.replyToId).toBe(`case:${reference}:2`);
  });

  it('on the next visit from the same browser, after the conversation it came from has ended: after the greeting, once', async () => {
    const server = await service();
    const first = await visit(server, 'browser-back');
    const reference = await consultToCase(server, first);
    // The tab closed: two idle hours later the conversation is swept away.
    server.clock.now += 3 * 3_600_000;
    await until('the first conversation swept', async () => {
      const res = await fetch(`${server.url}/v3/directline/conversations/${first.conversationId}/activities`, { headers: { Authorization: `Bearer ${first.token}` } });
      return res.status === 403 || res.status === 404 ? true : undefined;
    });

    await move(server, reference, { to: 'submitted', agent: 'Wang' });
    // Nobody to tell now: held, not dropped and not retried.
    await until('the notice held', async () => ((await server.app.ctx.notify!.outbox.list())[0]?.state === 'held' ? true : undefined));

    const other = await visit(server, 'browser-other');
    const back = await visit(server, 'browser-back');
    const seen = await until('the notice on the next visit', async () => {
      const all = await back.activities();
      return notices(all, reference).length > 0 ? all : undefined;
    });
    const greeting = seen.findIndex((a) => a.from.role === 'bot');
    const notice = seen.findIndex((a) => notices([a], reference).length > 0);
    expect(greeting).toBeGreaterThanOrEqual(0);
    expect(notice).toBeGreaterThan(greeting);
    expect(notices(seen, reference)[0]!.text).toContain('核验中');
    expect((await server.app.ctx.notify!.outbox.list()).map((n) => n.state)).toEqual(['sent']);
    // Another browser is told nothing of it, and the visit after is not told it again.
    expect(notices(await other.activities(), reference)).toHaveLength(0);
    const again = await visit(server, 'browser-back');
    await new Promise((r) => setTimeout(r, 200));
    expect(notices(await again.activities(), reference)).toHaveLength(0);
  });
});
