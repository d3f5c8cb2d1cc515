import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serviceUrlAllowed } from '../src/channels/botframework/service-url.js';
import { activity, type MockChannel, post, replies, type RunningBot, startBot, startMockChannel } from './botframework-server.js';
import { conversation } from './helpers.js';

const t = conversation().t('zh-CN');

let bot: RunningBot;
let channel: MockChannel;
beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  bot = await startBot({ EKEY_ALLOWED_SERVICE_URLS: 'https://channel.example.test/bf/' });
  channel = await startMockChannel(15);
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  await bot.close();
  await channel.close();
  nock.enableNetConnect();
});

describe('replies to the serviceUrl (ordinary delivery)', () => {
  it('are posted to the channel as replies to the activity, in the order the conversation said them', async () => {
    const r = await post(bot, activity({ deliveryMode: undefined, serviceUrl: channel.serviceUrl, conversation: { id: 'mock-1' }, id: 'incoming-1', text: '钥匙丢了' }));
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(channel.received.length).toBeGreaterThanOrEqual(2);
    expect(channel.received.every((x) => x.path === '/v3/conversations/mock-1/activities/incoming-1')).toBe(true);
    expect(String(channel.received[0]?.activity.text)).toContain(t('ui:greeting'));
    expect(channel.received.at(-1)?.activity.inputHint).toBe('expectingInput');
    // Without authentication no token is attached, and none was fetched (no network but 127.0.0.1).
    expect(channel.received.every((x) => x.authorization === undefined)).toBe(true);
  });

  it('of quick successive messages of one conversation arrive turn after turn, never interleaved', async () => {
    channel.received.length = 0;
    const conv = { id: 'mock-2' };
    await post(bot, activity({ deliveryMode: undefined, serviceUrl: channel.serviceUrl, conversation: conv, id: 'm-0', text: '你好' }));
    const before = channel.received.length;
    await Promise.all(
      ['帮助', '帮助', '帮助'].map((text, i) => post(bot, activity({ deliveryMode: undefined, serviceUrl: channel.serviceUrl, conversation: conv, id: `m-${i + 1}`, text }))),
    );
    const order = channel.received.slice(before).map((x) => x.path.split('/').at(-1));
    // Each turn's replies stay together: the reply-to ids form runs, one per incoming message.
    const runs = order.filter((id, i) => id !== order[i - 1]);
    expect(new Set(runs).size).toBe(3);
    expect(runs).toHaveLength(3);
  });

  it('go each to the serviceUrl of their own activity, turn after turn, when two channel services take turns', async () => {
    const other = await startMockChannel(0);
    try {
      channel.received.length = 0;
      // The connector of each serviceUrl is built once and kept: a kept one must never answer for another address.
      for (let i = 0; i < 3; i++)
        for (const [to, name] of [
          [channel, 'a'],
          [other, 'b'],
        ] as const) {
          const r = await post(bot, activity({ deliveryMode: undefined, serviceUrl: to.serviceUrl, conversation: { id: `two-${name}` }, id: `${name}-${i}`, text: '帮助' }));
          expect(r.status).toBe(200);
        }
      for (const [to, name] of [
        [channel, 'a'],
        [other, 'b'],
      ] as const) {
        expect(to.received.length).toBeGreaterThanOrEqual(3);
        expect(to.received.every((x) => x.path.startsWith(`/v3/conversations/two-${name}/activities/${name}-`))).toBe(true);
        expect(new Set(to.received.map((x) => x.path.split('/').at(-1)))).toEqual(new Set([0, 1, 2].map((i) => `${name}-${i}`)));
      }
    } finally {
      await other.close();
    }
  });

  it('may go to an address listed in EKEY_ALLOWED_SERVICE_URLS', async () => {
    const scope = nock('https://channel.example.test')
      .post(/^\/bf\/v3\/conversations\/listed\/activities\//)
      .times(10)
      .reply(200, { id: 'x' });
    const r = await post(bot, activity({ deliveryMode: undefined, serviceUrl: 'https://channel.example.test/bf/', conversation: { id: 'listed' }, text: '你好' }));
    expect(r.status).toBe(200);
    expect(scope.pendingMocks().length).toBeLessThan(10);
  });

  it.each([
    'https://attacker.example.test/',
    'https://channel.example.test.attacker.test/bf/',
    'https://channel.example.test/other/',
    'http://169.254.169.254/latest/',
    'http://10.0.0.1/',
    'file:///etc/passwd',
    'not a url',
  ])('is refused before any processing for the unlisted serviceUrl %s (403 with the reason)', async (serviceUrl) => {
    const conv = { id: `refused-${serviceUrl}` };
    const r = await post(bot, activity({ deliveryMode: undefined, serviceUrl, conversation: conv, text: '钥匙丢了' }));
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ code: 'Forbidden', message: expect.stringContaining('EKEY_ALLOWED_SERVICE_URLS') });
    // Not processed: the conversation was never started, so a later expectReplies turn is greeted.
    const later = replies(await post(bot, activity({ conversation: conv, text: '钥匙丢了' })));
    expect(later[0]?.text).toContain(t('ui:greeting'));
  });

  it('expectReplies calls no serviceUrl, so any serviceUrl is accepted and nothing is sent to it', async () => {
    const r = await post(bot, activity({ serviceUrl: 'https://attacker.example.test/', conversation: { id: 'expect-any' }, text: '钥匙丢了' }));
    expect(replies(r).length).toBeGreaterThan(0);
  });
});

describe('serviceUrlAllowed', () => {
  it.each([
    ['http://localhost:50000', true],
    ['http://127.0.0.1:1234/', true],
    ['http://127.8.9.10/', true],
    ['http://[::1]:3978/', true],
    ['http://user:pw@localhost/', false],
    ['ftp://127.0.0.1/', false],
    ['https://channel.example.test/bf/', true],
    ['https://channel.example.test/bf', true],
    ['https://channel.example.test/bf/x/', true],
    ['https://channel.example.test/bfx/', false],
    ['http://channel.example.test/bf/', false],
    ['https://channel.example.test:8443/bf/', false],
    ['https://localhost.attacker.test/', false],
  ])('%s -> %s', (url, allowed) => {
    expect(serviceUrlAllowed(url, ['https://channel.example.test/bf/'])).toBe(allowed);
  });
});
