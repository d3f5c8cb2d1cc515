import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConversationRegistry } from '../src/channels/directline/conversations.js';
import { newToken, type RunningServer, startServer } from './directline-helpers.js';
import { rawSocket, startConversation } from './directline-stream-helpers.js';

/** Direct Line refusals keep their status and code, and give the reason in the language the request asks for. */
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({}, { maxBodyBytes: 4096 });
});
afterAll(async () => {
  await server.close();
});

type Lang = 'zh-CN' | 'en';
const says = (lang: Lang, key: string, params?: Record<string, string | number>) => server.app.ctx.conversation.t(lang)(key, params);

async function refusal(res: Response) {
  return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } }, headers: res.headers };
}

describe('Direct Line refusals in the request language', () => {
  for (const lang of ['zh-CN', 'en'] as const) {
    it(`answers a bad watermark, a bad token, a malformed activity and a body too large in ${lang}`, async () => {
      const { conversationId, token } = await newToken(server.url);
      const activities = `${server.url}/v3/directline/conversations/${conversationId}/activities`;
      const headers = { Authorization: `Bearer ${token}`, 'Accept-Language': lang };

      const watermark = await refusal(await fetch(`${activities}?watermark=abc`, { headers }));
      expect(watermark).toMatchObject({ status: 400, body: { error: { code: 'BadArgument', message: says(lang, 'ui:refusals.directline.badWatermark') } } });

      const badToken = await refusal(await fetch(activities, { headers: { ...headers, Authorization: 'Bearer not-a-token' } }));
      expect(badToken).toMatchObject({ status: 403, body: { error: { code: 'Forbidden', message: says(lang, 'ui:refusals.directline.tokenInvalid') } } });

      const post = (body: string) => fetch(activities, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body });
      const malformed = await refusal(await post('{"text":"no type","from":{"id":7}}'));
      expect(malformed).toMatchObject({
        status: 400,
        body: { error: { code: 'BadArgument', message: says(lang, 'ui:refusals.directline.malformed', { fields: 'activity.type, activity.from.id' }) } },
      });

      const tooLarge = await refusal(await post(JSON.stringify({ type: 'message', text: 'x'.repeat(5000) })));
      expect(tooLarge).toMatchObject({ status: 413, body: { error: { code: 'PayloadTooLarge', message: says(lang, 'ui:errors.bodyTooLarge', { limit: 4096 }) } } });
      expect(tooLarge.headers.get('connection')).toBe('close');
    });
  }

  it('says the reason in Chinese when the request names no language, and English reasons differ from Chinese ones', async () => {
    const res = await fetch(`${server.url}/v3/directline/tokens/refresh`, { method: 'POST' });
    expect(await refusal(res)).toMatchObject({ status: 401, body: { error: { code: 'Unauthorized', message: says('zh-CN', 'ui:refusals.directline.bearerRequired') } } });
    expect(says('en', 'ui:refusals.directline.bearerRequired')).not.toBe(says('zh-CN', 'ui:refusals.directline.bearerRequired'));
  });

  it('refuses a nested body past 64 levels and an empty activity with BadArgument, and a compressed body with UnsupportedMediaType', async () => {
    const { conversationId, token } = await newToken(server.url);
    const post = (body: string, extra: Record<string, string> = {}) =>
      fetch(`${server.url}/v3/directline/conversations/${conversationId}/activities`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Accept-Language': 'en', ...extra },
        body,
      });
    expect(await refusal(await post('['.repeat(65) + ']'.repeat(65)))).toMatchObject({
      status: 400,
      body: { error: { code: 'BadArgument', message: says('en', 'ui:refusals.tooDeep', { depth: 64 }) } },
    });
    expect(await refusal(await post(''))).toMatchObject({ status: 400, body: { error: { code: 'BadArgument', message: says('en', 'ui:refusals.emptyBody') } } });
    expect(await refusal(await post('{}', { 'Content-Encoding': 'gzip' }))).toMatchObject({ status: 415, body: { error: { code: 'UnsupportedMediaType' } } });
  });

  it('refuses a stream upgrade with a forged URL or a bad watermark in the language of the upgrade request', async () => {
    const { token } = await newToken(server.url);
    const { streamUrl } = await startConversation(server.url, token);
    const path = new URL(streamUrl as string).pathname;
    const upgrade = async (query: string, lang: Lang) => {
      const raw = await rawSocket(
        server.url,
        `GET ${path}?${query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAccept-Language: ${lang}\r\n\r\n`,
      );
      await raw.closedAfter;
      const [head, body] = raw.received().split('\r\n\r\n');
      return { status: Number(head?.split(' ')[1]), body: JSON.parse(body ?? '') as unknown };
    };
    const t = new URL(streamUrl as string).searchParams.get('t') as string;
    for (const lang of ['zh-CN', 'en'] as const) {
      expect(await upgrade('t=forged', lang)).toEqual({ status: 403, body: { error: { code: 'Forbidden', message: says(lang, 'ui:refusals.directline.streamInvalid') } } });
      expect(await upgrade(`watermark=-1&t=${t}`, lang)).toEqual({
        status: 400,
        body: { error: { code: 'BadArgument', message: says(lang, 'ui:refusals.directline.badWatermark') } },
      });
    }
  });

  it('answers a fault with 500 ServiceError and the internal reason in the request language, never the fault itself', async () => {
    const { conversationId, token } = await newToken(server.url);
    const fault = vi.spyOn(ConversationRegistry.prototype, 'get').mockRejectedValue(new Error('disk on fire at store.ts:12'));
    try {
      for (const lang of ['zh-CN', 'en'] as const) {
        const res = await fetch(`${server.url}/v3/directline/conversations/${conversationId}/activities`, {
          headers: { Authorization: `Bearer ${token}`, 'Accept-Language': lang },
        });
        expect(await refusal(res)).toMatchObject({ status: 500, body: { error: { code: 'ServiceError', message: says(lang, 'ui:refusals.internal') } } });
      }
    } finally {
      fault.mockRestore();
    }
  });
});
