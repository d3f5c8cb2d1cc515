import { request } from 'node:http';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { activity, post, replies, useBot } from './botframework-server.js';

// No network for this file; useBot() opens loopback alone, for the service under test.
nock.disableNetConnect();
const bot = useBot();

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);

describe('a malformed activity gets 400 with the reason, never a stack', () => {
  const base = activity({ conversation: { id: 'malformed' }, text: 'hi' });
  it.each([
    ['not JSON', '{"type": "message", ', /not valid JSON/],
    ['an empty body', '', /no body/],
    ['a JSON array', '[]', /JSON object/],
    ['a JSON string', '"message"', /JSON object/],
    ['null', 'null', /JSON object/],
    ['no type', { ...base, type: undefined }, /activity\.type/],
    ['an empty type', { ...base, type: '' }, /activity\.type/],
    ['a numeric type', { ...base, type: 7 }, /activity\.type/],
    ['no conversation', { ...base, conversation: undefined }, /activity\.conversation/],
    ['a conversation without id', { ...base, conversation: {} }, /activity\.conversation\.id/],
    ['no channelId', { ...base, channelId: undefined }, /activity\.channelId/],
    ['no serviceUrl', { ...base, serviceUrl: undefined }, /activity\.serviceUrl/],
    ['text that is not a string', { ...base, text: { a: 1 } }, /activity\.text/],
    ['membersAdded that is not a list', { ...base, type: 'conversationUpdate', membersAdded: 'everyone' }, /activity\.membersAdded/],
    ['a group conversation without a sender', { ...base, from: undefined, conversation: { id: 'g', isGroup: true } }, /from\.id/],
  ])('%s', async (_name, body, reason) => {
    const r = await post(bot(), typeof body === 'string' ? body : JSON.stringify(body));
    expect(r.status).toBe(400);
    expect(r.body?.code).toBe('BadRequest');
    expect(r.body?.message).toMatch(reason);
    noStack(r.text);
  });

  it('the server keeps serving after all of them', async () => {
    expect(replies(await post(bot(), activity({ conversation: { id: 'after-malformed' }, text: '钥匙丢了' }))).length).toBeGreaterThan(0);
  });
});

describe('size and encoding', () => {
  it('a body over 256 KB is refused with 413', async () => {
    const r = await post(bot(), activity({ text: '钥'.repeat(100_000) }));
    expect(r.status).toBe(413);
    expect(r.body).toEqual({ code: 'PayloadTooLarge', message: expect.stringContaining(String(256 * 1024)) });
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
    const r = await post(bot(), JSON.stringify(activity()), { 'content-encoding': 'gzip' });
    expect(r.status).toBe(415);
    expect(r.body?.code).toBe('UnsupportedMediaType');
  });
});

describe('other methods', () => {
  it('GET /api/messages is a JSON 405 without a stack', async () => {
    const res = await fetch(`${bot().url}/api/messages`);
    const text = await res.text();
    expect(res.status).toBe(405);
    expect(JSON.parse(text)).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    noStack(text);
  });

  it('activities the bot does not answer (typing, messageReaction) get 200 and no replies', async () => {
    expect(replies(await post(bot(), activity({ type: 'typing', conversation: { id: 'typing' } })))).toEqual([]);
  });
});
