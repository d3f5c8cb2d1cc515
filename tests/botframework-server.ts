import { mkdtempSync, rmSync } from 'node:fs';
import nock from 'nock';
import { afterAll, beforeAll } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, type ChannelRegistrar, createApp } from '../src/app.js';
import { botFrameworkChannel } from '../src/channels/botframework/index.js';
import { ConfigSchema } from '../src/config.js';
import type { BotActivity } from '../src/render/activity.js';
import { cardObjects } from './adaptive-card-check.js';

export interface RunningBot {
  app: App;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/** The real service with the Bot Framework channel (and any `more`) on an ephemeral port of 127.0.0.1 and a fresh data directory. */
export async function startBot(env: Record<string, string> = {}, more: ChannelRegistrar[] = []): Promise<RunningBot> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ekey-bf-'));
  const config = ConfigSchema.parse({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', EKEY_DATA_DIR: dataDir, EKEY_RATE_LIMIT_RPS: '0', ...env });
  const app = await createApp(config, { channels: [botFrameworkChannel, ...more] });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The service for the file's tests, with no network but loopback: started before them, stopped after.
 * `bot()` gives the running one.
 */
export function useBot(env: Record<string, string> = {}, more: ChannelRegistrar[] = []): () => RunningBot {
  let running: RunningBot | undefined;
  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    running = await startBot(env, more);
  });
  afterAll(async () => {
    await running?.close();
    nock.cleanAll();
    nock.enableNetConnect();
  });
  return () => {
    if (!running) throw new Error('the bot runs only inside the tests');
    return running;
  };
}

let seq = 0;

/** An activity as the Emulator sends it; `over` replaces any field. */
export function activity(over: Record<string, unknown> = {}): Record<string, unknown> {
  seq += 1;
  return {
    type: 'message',
    id: `act-${seq}`,
    timestamp: new Date().toISOString(),
    channelId: 'emulator',
    serviceUrl: 'http://127.0.0.1:9',
    conversation: { id: 'conv-1' },
    from: { id: 'user-1', name: 'User' },
    recipient: { id: 'bot-1', name: 'Bot' },
    locale: 'zh-CN',
    deliveryMode: 'expectReplies',
    text: '',
    ...over,
  };
}

export interface Reply {
  status: number;
  body: { activities?: BotActivity[]; code?: string; message?: string } | undefined;
  text: string;
}

export async function post(bot: RunningBot, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(`${bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Reply['body'];
  try {
    parsed = text ? (JSON.parse(text) as Reply['body']) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

/** The activities of an expectReplies response. */
export function replies(r: Reply): BotActivity[] {
  if (r.status !== 200) throw new Error(`expected 200, got ${r.status}: ${r.text}`);
  return r.body?.activities ?? [];
}

export interface MockChannel {
  serviceUrl: string;
  received: { path: string; activity: Record<string, unknown>; authorization?: string }[];
  close(): Promise<void>;
}

/** A Bot Framework channel's Connector API on 127.0.0.1: records each activity the bot posts and acknowledges it. */
export async function startMockChannel(delayMs = 0): Promise<MockChannel> {
  const received: MockChannel['received'] = [];
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    return Buffer.concat(chunks).toString('utf8');
  };
  const server: Server = createServer((req, res) => {
    void readBody(req).then(async (body) => {
      // A varying delay would reorder replies that were not sent one after another.
      if (delayMs) await new Promise((r) => setTimeout(r, Math.random() * delayMs));
      received.push({ path: req.url ?? '', activity: JSON.parse(body) as Record<string, unknown>, authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `reply-${received.length}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { serviceUrl: `http://127.0.0.1:${port}/`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export interface ShownQuestion {
  id: string;
  buttons: { title: string; value: { question: string; answer: string } }[];
  via: 'suggestedActions' | 'card';
}

/** The question among a turn's activities, with its buttons as the user can press them (suggested actions or card). */
export function shownQuestion(activities: BotActivity[]): ShownQuestion | undefined {
  for (const a of activities) {
    const answers = (a.suggestedActions?.actions ?? []).flatMap((x) => ('question' in x.value ? [{ title: x.title, value: x.value }] : []));
    if (answers.length) return { id: answers[0]?.value.question ?? '', buttons: answers, via: 'suggestedActions' };
    const submits = cardObjects(a.attachments?.map((x) => x.content)).filter(
      (o) => o.type === 'Action.Submit' && typeof (o.data as Record<string, unknown> | null)?.question === 'string',
    );
    if (submits.length) {
      const buttons = submits.map((s) => ({ title: String(s.title), value: s.data as unknown as { question: string; answer: string } }));
      return { id: buttons[0]?.value.question ?? '', buttons, via: 'card' };
    }
  }
  return undefined;
}

/** The activity carrying the outcome: Markdown text and a card without buttons (question cards always have some). */
export function outcomeActivity(activities: BotActivity[]): BotActivity | undefined {
  return activities.find((a) => a.channelData?.ekey.outcome !== undefined);
}
