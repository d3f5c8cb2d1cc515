import { PassThrough } from 'node:stream';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Message } from '../src/conversation/messages.js';
import { FileConversationStore, MemoryConversationStore } from '../src/conversation/state-store.js';
import { createLogger } from '../src/logger.js';
import { plainText } from '../src/render/plain-text.js';
import { MAX_PART_BYTES } from '../src/channels/wechat/split.js';
import { API_BASE, APPID, SECRET, TOKEN, eventXml, mediaXml, push, type RunningWechat, send, signedQuery, startWechat, textXml } from './wechat-client.js';
import type { Conversation } from '../src/conversation/conversation.js';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const content = (r: { reply?: Record<string, string> }) => r.reply?.Content ?? '';
/** Blank lines fall at part boundaries; the words and their order are what must arrive whole. */
/** The lines of a text, each case reference made the same (every consultation opens a case of its own). */
const lines = (s: string) =>
  s
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.replace(/EK-\d{8}-[0-9A-Z]{6}/g, 'EK-…').replace(/key=[A-Za-z0-9_-]{22}/g, 'key=…'));
const PUBLIC_URL = 'https://ekey.example.gov.cn';
/** Whether the service keeps a conversation for this WeChat user, as a restarted service would find it. */
async function stored(w: RunningWechat, openid: string): Promise<boolean> {
  const store = new FileConversationStore(w.dataDir, 86_400_000);
  try {
    return (await store.get(`wechat:${openid}`)) !== undefined;
  } finally {
    await store.close();
  }
}

/** The token endpoint, any number of times, and a recorder of every customer-service message. */
function wechatApi(script: (number | 'ok')[] = []) {
  const sent: { touser: string; content: string; token: string }[] = [];
  const calls = { count: 0 };
  nock(API_BASE)
    .persist()
    .get('/cgi-bin/token')
    .query({ grant_type: 'client_credential', appid: APPID, secret: SECRET })
    .reply(200, { access_token: 'ACCESS-1', expires_in: 7200 });
  nock(API_BASE)
    .persist()
    .post('/cgi-bin/message/custom/send')
    .query(true)
    .reply(function (uri, body) {
      calls.count += 1;
      const step = script.shift() ?? 'ok';
      if (step !== 'ok') return [200, { errcode: step, errmsg: 'scripted' }];
      const b = body as { touser: string; text: { content: string } };
      sent.push({ touser: b.touser, content: b.text.content, token: new URL(uri, API_BASE).searchParams.get('access_token') ?? '' });
      return [200, { errcode: 0, errmsg: 'ok' }];
    });
  return Object.assign(sent, { calls });
}

/** The longest outcome there is (certificate renewal, expired, no 18-digit code, foreign-invested): four parts. */
const LONG = ['4', '1', '2', '2'];

/**
 * The outcome the conversation itself gives for these lines, as plain text: the reference the parts must
 * reassemble to. Only the outcome: what follows it (case reference, closing notice) belongs to others.
 */
async function expectedText(lines: string[], c: Conversation): Promise<string> {
  let r = await c.start(c.newState('zh-CN'));
  for (const text of lines) r = await c.turn(r.state, { text });
  const outcome = r.messages.find((m): m is Extract<Message, { type: 'outcome' }> => m.type === 'outcome');
  if (!outcome) throw new Error('these lines lead to no outcome');
  // The outcome comes after the line of what the last message was understood to say.
  const understood = r.messages.filter((m) => m.type === 'understood');
  return [...understood, outcome].map((m) => plainText(m, c.t(r.state.lang), { base: PUBLIC_URL })).join('\n');
}

afterEach(() => {
  nock.cleanAll();
});

describe('the WeChat channel, unconfigured', () => {
  let w: RunningWechat;
  beforeAll(async () => {
    w = await startWechat({ WECHAT_TOKEN: '', WECHAT_APPID: '', WECHAT_APPSECRET: '', WECHAT_ENCODING_AES_KEY: '' });
  });
  afterAll(() => w.close());

  it('says it is off, on GET and POST', async () => {
    const get = await fetch(`${w.url}/api/wechat?${signedQuery('plain')}&echostr=1`);
    expect(get.status).toBe(503);
    expect(await get.json()).toMatchObject({ code: 'ChannelOff' });
    expect((await push(w, textXml('o-1', 'hi'))).status).toBe(503);
  });
});

describe('the WeChat channel', () => {
  let w: RunningWechat;
  beforeAll(async () => {
    w = await startWechat({ EKEY_PUBLIC_URL: PUBLIC_URL });
  });
  afterAll(() => w.close());

  describe('URL verification', () => {
    it('echoes echostr as plain text when the signature is right', async () => {
      const res = await fetch(`${w.url}/api/wechat?${signedQuery('plain')}&echostr=4075181314397890557`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe('4075181314397890557');
    });

    it('refuses a wrong signature (403) and a missing one (401)', async () => {
      const q = signedQuery('plain', undefined, 'another-token');
      const wrong = await fetch(`${w.url}/api/wechat?${q}&echostr=1`);
      expect(wrong.status).toBe(403);
      expect(await wrong.text()).not.toContain('1"');
      const missing = await fetch(`${w.url}/api/wechat?echostr=1&timestamp=1&nonce=2`);
      expect(missing.status).toBe(401);
    });
  });

  describe('signatures on the message push', () => {
    it('refuses a wrong or missing signature before reading anything, and runs no turn', async () => {
      const xml = textXml('o-forged', '钥匙丢了');
      const forged = signedQuery('plain', undefined, 'not-the-token');
      expect((await send(w, forged, xml)).status).toBe(403);
      const q = signedQuery('plain');
      q.delete('signature');
      expect((await send(w, q, xml)).status).toBe(401);
      // Even a malformed or huge body gets the signature refusal, not a parse error.
      expect((await send(w, forged, '<<<')).status).toBe(403);
      expect((await send(w, forged, 'x'.repeat(200_000))).status).toBe(403);
      expect(await stored(w, 'o-forged')).toBe(false);
    });

    it('refuses a safe-mode message whose msg_signature does not match or is missing', async () => {
      const q = signedQuery('safe', 'some-other-encrypt');
      const body = `<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[AAAA]]></Encrypt></xml>`;
      expect((await send(w, q, body, 'safe')).status).toBe(403);
      q.delete('msg_signature');
      expect((await send(w, q, body, 'safe')).status).toBe(401);
    });

    it('refuses a safe-mode message sealed for another app id', async () => {
      const r = await push(w, textXml('o-other-app', 'hi'), 'safe', 'wx-someone-else');
      expect(r.status).toBe(400);
      expect(await stored(w, 'o-other-app')).toBe(false);
    });
  });

  describe.each(['plain', 'compatible', 'safe'] as const)('a whole consultation in %s mode', (mode) => {
    it('greets on subscribe, takes numbered answers, and delivers a long outcome whole and in order', async () => {
      const sent = wechatApi();
      const openid = `o-consult-${mode}`;

      const hello = await push(w, eventXml(openid, 'subscribe'), mode);
      expect(hello.status).toBe(200);
      expect(hello.reply).toMatchObject({ ToUserName: openid, FromUserName: 'gh_ekey_account', MsgType: 'text' });
      expect(content(hello)).toContain('电子钥匙办事助手');
      expect(content(hello)).toMatch(/\n1\. 首次申领/);
      expect(content(hello)).toContain('请回复选项编号');

      const second = await push(w, textXml(openid, '4'), mode);
      expect(content(second)).toContain('到期');

      for (const text of LONG.slice(1, -1)) await push(w, textXml(openid, text), mode);
      const outcome = await push(w, textXml(openid, LONG.at(-1) as string), mode);
      const passive = content(outcome);
      expect(bytes(passive)).toBeLessThanOrEqual(MAX_PART_BYTES);

      await vi.waitFor(() => expect(sent.length).toBeGreaterThan(0));
      await w.channel.settled();
      expect(sent.every((s) => s.touser === openid && s.token === 'ACCESS-1')).toBe(true);
      for (const s of sent) expect(bytes(s.content)).toBeLessThanOrEqual(MAX_PART_BYTES);

      const whole = [passive, ...sent.map((s) => s.content)].join('\n');
      const expected = await expectedText(LONG, w.app.ctx.conversation);
      expect(bytes(expected)).toBeGreaterThan(3 * MAX_PART_BYTES);
      expect(sent.length).toBeGreaterThanOrEqual(3);
      // The last turn's answer (what it was understood to say, then the outcome): all of it, in order, nothing lost or repeated.
      expect(lines(whole).slice(0, lines(expected).length)).toEqual(lines(expected));
      expect(whole).toContain('010－58103599');
      // Plain text, no Markdown: the flowchart's link is its name and its address.
      expect(whole).not.toMatch(/\]\(|\*\*|^#/m);
      expect(whole).toContain(`${PUBLIC_URL}/flowcharts/`);
      expect(whole).toMatch(new RegExp(`${PUBLIC_URL}/cases/EK-\\d{8}-[0-9A-Z]{6}/checklist`));
    });
  });

  describe('retries', () => {
    it('answers a retried MsgId with the same reply and runs the turn once', async () => {
      const openid = 'o-retry';
      await push(w, eventXml(openid, 'subscribe'));
      const xml = textXml(openid, '1', '777000111');
      const first = await push(w, xml);
      const again = await push(w, xml);
      expect(content(again)).toBe(content(first));
      // Had "1" been taken twice, it would also have answered the next question (1 = online).
      const help = await push(w, textXml(openid, '帮助'));
      expect(content(help)).toContain('在线预申请');
      expect(content(help)).toContain('您希望在线预申请');
    });

    it('lets a retry that arrives while the first is in flight wait for the same answer', async () => {
      const openid = 'o-retry-concurrent';
      const xml = textXml(openid, '钥匙丢了', '777000222');
      const [a, b, c] = await Promise.all([push(w, xml), push(w, xml), push(w, xml, 'safe')]);
      expect(content(a)).toBe(content(b));
      expect(content(c)).toBe(content(a));
      expect(content(a)).toContain('内资');
    });

    it('answers a retried event (same sender and CreateTime) once', async () => {
      const openid = 'o-retry-event';
      const xml = eventXml(openid, 'CLICK', '<EventKey><![CDATA[注销证书]]></EventKey>', '1700000001');
      const first = await push(w, xml);
      const again = await push(w, xml);
      expect(content(first)).toBe(content(again));
      expect(content(first)).not.toBe('');
    });
  });

  describe('events and other messages', () => {
    it('reads a menu CLICK key as what the user typed', async () => {
      const r = await push(w, eventXml('o-click', 'CLICK', '<EventKey><![CDATA[钥匙丢了]]></EventKey>'));
      expect(content(r)).toContain('内资');
    });

    it('answers an image, a location and a link politely with what it can do', async () => {
      for (const type of ['image', 'location', 'link', 'video']) {
        const r = await push(w, mediaXml('o-media', type));
        expect(r.status).toBe(200);
        expect(content(r)).toContain('只能看懂文字消息');
      }
    });

    it('takes a voice message by its recognised text', async () => {
      const r = await push(w, mediaXml('o-voice', 'voice', '<Recognition><![CDATA[钥匙丢了]]></Recognition>'));
      expect(content(r)).toContain('内资');
    });

    it('answers in English to an English speaker, the non-text reply too', async () => {
      const r = await push(w, textXml('o-english', 'I lost my key'));
      expect(content(r)).toMatch(/domestic/i);
      expect(content(await push(w, mediaXml('o-english', 'image')))).toContain('I can only read text messages');
    });

    it('forgets the conversation on unsubscribe and answers nothing', async () => {
      const openid = 'o-leaving';
      await push(w, textXml(openid, '钥匙丢了'));
      expect(await stored(w, openid)).toBe(true);
      const bye = await push(w, eventXml(openid, 'unsubscribe'));
      expect(bye).toMatchObject({ status: 200, body: 'success' });
      expect(await stored(w, openid)).toBe(false);
    });

    it('answers an event that needs no reply with "success"', async () => {
      const r = await push(w, eventXml('o-view', 'VIEW', '<EventKey><![CDATA[https://example.org/]]></EventKey>'));
      expect(r).toMatchObject({ status: 200, body: 'success' });
    });
  });

  describe('bad input', () => {
    it.each([
      ['malformed XML', '<xml><Content>1</MsgType></xml>'],
      ['not XML at all', 'hello'],
      ['a missing field', '<xml><ToUserName><![CDATA[gh]]></ToUserName><MsgType><![CDATA[text]]></MsgType></xml>'],
      [
        'a billion-laughs DTD',
        `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><xml><ToUserName>gh</ToUserName><FromUserName>o-lol</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&c;</Content><MsgId>1</MsgId></xml>`,
      ],
      [
        'an external entity',
        `<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><ToUserName>gh</ToUserName><FromUserName>o-xxe</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&x;</Content><MsgId>2</MsgId></xml>`,
      ],
    ])('refuses %s with 400 and a reason, no stack, and keeps serving', async (_name, body) => {
      const r = await send(w, signedQuery('plain'), body);
      expect(r.status).toBe(400);
      const json = JSON.parse(r.body) as { code: string; message: string };
      expect(json.code).toBe('BadRequest');
      expect(r.body).not.toMatch(/at .*\.ts|ha{3}|root:/);
      expect((await fetch(`${w.url}/healthz`)).status).toBe(200);
      expect(content(await push(w, textXml('o-after-bad', '帮助')))).not.toBe('');
    });

    it('refuses a huge body with 413, declared or streamed, and keeps serving', async () => {
      const huge = `<xml><Content><![CDATA[${'电'.repeat(40_000)}]]></Content></xml>`;
      expect((await send(w, signedQuery('plain'), huge)).status).toBe(413);
      const stream = new ReadableStream({
        start(controller) {
          for (let i = 0; i < 20; i += 1) controller.enqueue(new TextEncoder().encode('x'.repeat(10_000)));
          controller.close();
        },
      });
      const res = await fetch(`${w.url}/api/wechat?${signedQuery('plain')}`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
      expect(res.status).toBe(413);
      expect(content(await push(w, textXml('o-after-huge', '帮助')))).not.toBe('');
    });

    it('refuses an undecryptable safe-mode Encrypt with 400', async () => {
      const encrypt = 'QUJDREVGR0hJSktMTU5PUA==';
      const r = await send(w, signedQuery('safe', encrypt), `<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`, 'safe');
      expect(r.status).toBe(400);
    });
  });

  describe('undelivered parts', () => {
    it('keeps the parts refused with 45015 and opens the next reply with them, in order', async () => {
      const sent = wechatApi([45015]);
      const openid = 'o-window-closed';
      for (const text of LONG.slice(0, -1)) await push(w, textXml(openid, text));
      const outcome = await push(w, textXml(openid, LONG.at(-1) as string));
      await vi.waitFor(() => expect(sent.calls.count).toBe(1));
      await w.channel.settled();
      expect(sent).toHaveLength(0);

      const next = await push(w, textXml(openid, '帮助'));
      expect(content(next).startsWith('上次的回复还没有发送完')).toBe(true);
      const outcomeLines = lines(await expectedText(LONG, w.app.ctx.conversation));
      const got = () =>
        lines([content(outcome), content(next), ...sent.filter((s) => s.touser === openid).map((s) => s.content)].join('\n')).filter((l) => !l.startsWith('上次的回复'));
      // Everything of the outcome arrives, in order, before the answer to the new message.
      await vi.waitFor(() => expect(got().slice(0, outcomeLines.length)).toEqual(outcomeLines));
      await w.channel.settled();
      expect(got().slice(outcomeLines.length).join('\n')).toContain('请描述您需要办理的电子钥匙业务');
    });

    it('renews the access token on 40001 and 42001 and still delivers everything', async () => {
      const sent = wechatApi([40001, 'ok', 42001]);
      const openid = 'o-token-renewed';
      for (const text of LONG.slice(0, -1)) await push(w, textXml(openid, text));
      const outcome = await push(w, textXml(openid, LONG.at(-1) as string));
      const mine = () => sent.filter((s) => s.touser === openid).map((s) => s.content);
      const expected = lines(await expectedText(LONG, w.app.ctx.conversation));
      await vi.waitFor(() => expect(lines([content(outcome), ...mine()].join('\n')).slice(0, expected.length)).toEqual(expected));
      await w.channel.settled();
      expect(mine().length).toBeGreaterThanOrEqual(3);
      expect(sent.calls.count).toBe(sent.length + 2);
    });
  });
});

describe('the 5-second window', () => {
  let w: RunningWechat;
  /** A store slow enough that the turn misses the reply deadline. */
  class SlowStore extends MemoryConversationStore {
    override async set(...args: Parameters<MemoryConversationStore['set']>) {
      await new Promise((r) => setTimeout(r, 400));
      return super.set(...args);
    }
  }
  beforeAll(async () => {
    w = await startWechat({}, { replyDeadlineMs: 100 }, { store: new SlowStore() });
  });
  afterAll(() => w.close());

  it('answers "success" in time, sends the answer through the API, and never runs the turn twice', async () => {
    const sent = wechatApi();
    const openid = 'o-slow';
    const xml = textXml(openid, '钥匙丢了', '888000111');
    const first = await push(w, xml);
    expect(first).toMatchObject({ status: 200, body: 'success' });
    const retry = await push(w, xml, 'safe');
    expect(retry).toMatchObject({ status: 200, body: 'success' });
    await vi.waitFor(() => expect(sent.length).toBe(1));
    await w.channel.settled();
    expect(sent[0]?.content).toContain('内资');
    expect(sent).toHaveLength(1);
  });
});

describe('failures and logs', () => {
  let w: RunningWechat;
  let log = '';
  /** A store whose first write fails, as a full disk would. */
  class FailOnceStore extends MemoryConversationStore {
    failed = false;
    override async set(...args: Parameters<MemoryConversationStore['set']>) {
      if (!this.failed) {
        this.failed = true;
        throw new Error('disk full');
      }
      return super.set(...args);
    }
  }
  beforeAll(async () => {
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    w = await startWechat({}, {}, { store: new FailOnceStore(), logger: createLogger('debug', sink) });
  });
  afterAll(() => w.close());

  it('answers a failed turn with the temporary-failure text, no stack, and lets a retry run it again', async () => {
    const xml = textXml('o-unlucky-7f3a', '钥匙丢了', '999000111');
    const failed = await push(w, xml);
    expect(failed.status).toBe(200);
    expect(content(failed)).toBe(w.app.ctx.conversation.t('zh-CN')('ui:errors.temporary', { phone: w.app.ctx.knowledge.contacts.hotline?.value }));
    const retry = await push(w, xml);
    expect(content(retry)).toContain('内资');
  });

  it('logs neither openids, message text, the secret nor the token', async () => {
    const sent = wechatApi([45015]);
    const openid = 'o-private-9c2e';
    for (const text of LONG) await push(w, textXml(openid, text), 'safe');
    await vi.waitFor(() => expect(sent.calls.count).toBe(1));
    await w.channel.settled();
    await send(w, signedQuery('plain'), '<!DOCTYPE x [<!ENTITY a "secretive">]><xml/>');
    await push(w, mediaXml(openid, 'image'));
    expect(log).toContain('customer-service message not delivered');
    expect(log).toContain('45015');
    for (const secret of ['o-private-9c2e', 'o-unlucky-7f3a', '钥匙丢了', '首次', SECRET, TOKEN, 'ACCESS-1', 'secretive', 'signature=']) expect(log).not.toContain(secret);
  });
});
