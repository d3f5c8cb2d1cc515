import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InsightsStore } from '../src/insights/store.js';
import { Scrubber } from '../src/insights/scrub.js';
import { knowledge } from './helpers.js';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app.js';
import { botFrameworkChannel } from '../src/channels/botframework/index.js';
import { insightsRoute } from '../src/channels/http/insights-route.js';
import { ConfigSchema } from '../src/config.js';
import { activity } from './botframework-server.js';

const TOKEN = 'agent-token-for-tests-0123456789';
const scrubber = new Scrubber(knowledge().scrubWords);
let bot: { url: string; close(): Promise<void> };

async function start() {
  const dataDir = mkdtempSync(join(tmpdir(), 'ekey-insights-app-'));
  const config = ConfigSchema.parse({ LOG_LEVEL: 'silent', EKEY_DATA_DIR: dataDir, EKEY_RATE_LIMIT_RPS: '0', EKEY_AGENT_TOKEN: TOKEN });
  const app = await createApp(config, { channels: [botFrameworkChannel, insightsRoute] });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function say(conversation: string, body: Record<string, unknown>) {
  const res = await fetch(`${bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity({ conversation: { id: conversation }, ...body })),
  });
  return (await res.json()) as { activities: { text?: string; suggestedActions?: { actions: { value: unknown }[] } }[] };
}

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
  bot = await start();
});
afterAll(async () => {
  await bot.close();
  nock.enableNetConnect();
});

describe('what content owners see', () => {
  it('asks "was this helpful?" after an outcome, with buttons that carry the feedback', async () => {
    const r = await say('fb-1', { text: '注销证书' });
    const last = r.activities.at(-1)!;
    expect(last.text).toContain('有帮助吗');
    expect(last.suggestedActions?.actions.map((a) => a.value)).toEqual([
      { question: 'feedback', answer: 'yes' },
      { question: 'feedback', answer: 'no' },
    ]);
    const thanks = await say('fb-1', { text: '', value: { question: 'feedback', answer: 'no' } });
    expect(thanks.activities[0]!.text).toContain('感谢您的反馈');
    const typed = await say('fb-2', { text: '钥匙丢了' });
    expect(typed.activities.length).toBeGreaterThan(0);
    await say('fb-2', { text: '内资' });
    await say('fb-2', { text: '有帮助' });
  });

  it('takes anything else after an outcome as the next consultation, not as feedback', async () => {
    await say('fb-3', { text: '注销证书' });
    const r = await say('fb-3', { text: 'PIN码锁了' });
    expect(r.activities.some((a) => JSON.stringify(a).includes('PIN'))).toBe(true);
  });

  it('serves feedback per procedure and scrubbed misunderstood messages behind the agent token', async () => {
    await say('nu-1', { text: '补办' });
    await say('nu-1', { text: '我们是深圳市华强电子有限公司，电话13812345678，怎么办' });
    const denied = await fetch(`${bot.url}/api/insights`);
    expect(denied.status).toBe(401);
    const res = await fetch(`${bot.url}/api/insights`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { feedback: Record<string, { helpful: number; notHelpful: number }>; notUnderstood: { text: string; question?: string }[] };
    expect(body.feedback.revoke).toEqual({ helpful: 0, notHelpful: 1 });
    expect(body.feedback.replacement).toEqual({ helpful: 1, notHelpful: 0 });
    expect(body.feedback.unlock).toBeUndefined();
    const latest = body.notUnderstood[0]!;
    expect(latest.question).toBe('lossKind');
    expect(latest.text).not.toContain('13812345678');
    expect(latest.text).not.toContain('华强');
    expect(latest.text).toContain('怎么办');
  });
});

describe('the insights file', () => {
  it('survives a restart, and keeps a corrupt or empty file aside and starts without it (item 19)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ekey-insights-'));
    try {
      const a = await InsightsStore.open(dir, { scrubber, delayMs: 10_000 });
      a.feedback({ rule: 'revoke', procedures: ['revoke'], helpful: true });
      a.notUnderstood({ text: 'zzz', lang: 'zh-CN' });
      await a.flush();
      const b = await InsightsStore.open(dir, { scrubber });
      expect(b.snapshot().feedback.revoke).toEqual({ helpful: 1, notHelpful: 0 });
      for (const damaged of ['{"version":1,', '', '{"version":2}']) {
        writeFileSync(join(dir, 'insights.json'), damaged);
        const c = await InsightsStore.open(dir, { scrubber });
        expect(c.snapshot()).toEqual({ version: 1, notUnderstood: [], feedback: {} });
        expect(readFileSync(c.keptAside?.path as string, 'utf8')).toBe(damaged);
        expect(existsSync(join(dir, 'insights.json'))).toBe(false);
        rmSync(c.keptAside?.path as string);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scrubs numbers, codes, e-mail, references and company names', () => {
    expect(scrubber.scrub('手机 138-1234-5678 代码91350100M000100Y43 邮箱 a.b@c.com EK-20261123-ABCDEF')).toBe('手机 ＊ 代码＊ 邮箱 ＊ ＊');
    expect(scrubber.scrub('上海某某贸易有限公司的钥匙')).toBe('＊有限公司的钥匙');
    expect(scrubber.scrub('Acme Trading Co. lost the key')).toBe('＊ lost the key');
  });
});
