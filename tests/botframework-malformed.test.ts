import { request } from 'node:http';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { activity, post, replies, useBot } from './botframework-server.js';

// No network for this file; useBot() opens loopback alone, for the service under test.
nock.disableNetConnect();
const bot = useBot();

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);

type Lang = 'zh-CN' | 'en';
const say = (lang: Lang, key: string, params?: Record<string, string | number>) => bot().app.ctx.conversation.t(lang)(key, params);

describe("a malformed activity gets 400 with the reason in the caller's language, never a stack", () => {
  const base = activity({ conversation: { id: 'malformed' }, text: 'hi' });
  // Bodies that are no activity say nothing of a language: the request's Accept-Language decides, Chinese without one.
  it.each([
    ['not JSON', '{"type": "message", ', 'ui:refusals.badJson'],
    ['an empty body', '', 'ui:refusals.emptyBody'],
    ['a JSON array', '[]', 'ui:refusals.botframework.notAnObject'],
    ['a JSON string', '"message"', 'ui:refusals.botframework.notAnObject'],
    ['null', 'null', 'ui:refusals.botframework.notAnObject'],
  ])('%s', async (_name, body, key) => {
    const zh = await post(bot(), body);
    const en = await post(bot(), body, { 'accept-language': 'en-GB,en;q=0.8' });
    for (const [r, lang] of [
      [zh, 'zh-CN'],
      [en, 'en'],
    ] as const) {
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ code: 'BadRequest', message: say(lang, key) });
      noStack(r.text);
    }
    expect(zh.body?.message).not.toBe(en.body?.message);
  });

  // An activity is answered in its own locale, whatever the request's headers say.
  it.each([
    ['no type', { ...base, type: undefined }, 'activity.type'],
    ['an empty type', { ...base, type: '' }, 'activity.type'],
    ['a numeric type', { ...base, type: 7 }, 'activity.type'],
    ['no conversation', { ...base, conversation: undefined }, 'activity.conversation'],
    ['a conversation without id', { ...base, conversation: {} }, 'activity.conversation.id'],
    ['no channelId', { ...base, channelId: undefined }, 'activity.channelId'],
    ['no serviceUrl', { ...base, serviceUrl: undefined }, 'activity.serviceUrl'],
    ['text that is not a string', { ...base, text: { a: 1 } }, 'activity.text'],
    ['membersAdded that is not a list', { ...base, type: 'conversationUpdate', membersAdded: 'everyone' }, 'activity.membersAdded'],
    ['two fields at once', { ...base, type: 7, text: 7 }, 'activity.type, activity.text'],
  ])('%s', async (_name, body, fields) => {
    const zh = await post(bot(), { ...body, locale: 'zh-CN' }, { 'accept-language': 'en' });
    const en = await post(bot(), { ...body, locale: 'en-US' });
    expect(zh.status).toBe(400);
    expect(zh.body).toEqual({ code: 'BadRequest', message: say('zh-CN', 'ui:refusals.botframework.malformed', { fields }) });
    expect(en.status).toBe(400);
    expect(en.body).toEqual({ code: 'BadRequest', message: say('en', 'ui:refusals.botframework.malformed', { fields }) });
    expect(zh.body?.message).toMatch(/[\u4e00-\u9fff]/);
    expect(en.body?.message).not.toMatch(/[\u4e00-\u9fff]/);
    noStack(zh.text);
    noStack(en.text);
  });

  it('a group conversation without a sender', async () => {
    const body = { ...base, from: undefined, conversation: { id: 'g', isGroup: true } };
    for (const lang of ['zh-CN', 'en'] as const) {
      const r = await post(bot(), { ...body, locale: lang });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ code: 'BadRequest', message: say(lang, 'ui:refusals.botframework.groupWithoutSender') });
    }
  });

  it("a locale that is not a string is itself malformed, and the reason falls back to the request's language", async () => {
    const r = await post(bot(), { ...base, locale: 1033 }, { 'accept-language': 'en' });
    expect(r.status).toBe(400);
    expect(r.body?.message).toBe(say('en', 'ui:refusals.botframework.malformed', { fields: 'activity.locale' }));
  });

  it('the server keeps serving after all of them', async () => {
    expect(replies(await post(bot(), activity({ conversation: { id: 'after-malformed' }, text: '钥匙丢了' }))).length).toBeGreaterThan(0);
  });
});

describe('size and encoding', () => {
  it("a body over 256 KB is refused with 413, naming the limit in the request's language", async () => {
    const zh = await post(bot(), activity({ text: '钥'.repeat(100_000) }));
    expect(zh.status).toBe(413);
    expect(zh.body).toEqual({ code: 'PayloadTooLarge', message: say('zh-CN', 'ui:errors.bodyTooLarge', { limit: 256 * 1024 }) });
    const en = await post(bot(), activity({ text: '钥'.repeat(100_000) }), { 'accept-language': 'en' });
    expect(en.body).toEqual({ code: 'PayloadTooLarge', message: say('en', 'ui:errors.bodyTooLarge', { limit: 256 * 1024 }) });
  });
  it('a chunked body (no Content-Length) over the limit is refused with 413 as well', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(`${bot().url}/api/messages`);
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 40; i++) req.write('x'.repeat(10_000));
      req.end();
    });
    expect(status).toBe(413);
    expect(JSON.parse(body).code).toBe('PayloadTooLarge');
  });

  it('a body just under the limit is read', async () => {
    const r = await post(bot(), activity({ conversation: { id: 'big-but-fine' }, text: 'a'.repeat(200 * 1024) }));
    expect(r.status).toBe(200);
  });

  it('a compressed body is refused with 415 rather than inflated without bound', async () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      const r = await post(bot(), JSON.stringify(activity()), { 'content-encoding': 'gzip', 'accept-language': lang });
      expect(r.status).toBe(415);
      expect(r.body).toEqual({ code: 'UnsupportedMediaType', message: say(lang, 'ui:errors.contentEncoding') });
    }
  });
});

describe('other methods', () => {
  it("GET /api/messages is a JSON 405 without a stack, in the request's language", async () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      const res = await fetch(`${bot().url}/api/messages`, { headers: { 'accept-language': lang } });
      const text = await res.text();
      expect(res.status).toBe(405);
      expect(JSON.parse(text)).toEqual({ code: expect.any(String), message: say(lang, 'ui:refusals.methodNotAllowed', { method: 'GET' }) });
      noStack(text);
    }
  });

  it('activities the bot does not answer (typing, messageReaction) get 200 and no replies', async () => {
    expect(replies(await post(bot(), activity({ type: 'typing', conversation: { id: 'typing' } })))).toEqual([]);
  });
});
