import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { json, type RunningServer, startServer } from './directline-helpers.js';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');

const SECRET = 'azure-direct-line-secret-never-for-browsers';
const AZURE = 'https://directline.botframework.com';

/** GET/POST /api/directline/token: the page's token, from Azure Direct Line when a secret is configured. */
describe('the token endpoint with Azure Direct Line', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ DIRECTLINE_SECRET: SECRET });
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => {
    nock.cleanAll();
  });

  it('exchanges the secret for a conversation token server-side and never sends the secret to the browser', async () => {
    let sentUser: string | undefined;
    const azure = nock(AZURE, { reqheaders: { authorization: `Bearer ${SECRET}` } })
      .post('/v3/directline/tokens/generate', (body: { user?: { id?: string } }) => {
        sentUser = body.user?.id;
        return true;
      })
      .reply(200, { conversationId: 'azure-conv-1', token: 'azure-token-1', expires_in: 3600 });
    for (const round of [1, 2]) {
      if (round === 2) nock(AZURE).post('/v3/directline/tokens/generate').reply(200, { conversationId: 'azure-conv-2', token: 'azure-token-2', expires_in: 3600 });
      const res = await fetch(`${server.url}/api/directline/token`, { method: 'POST' });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const text = await res.text();
      expect(text).not.toContain(SECRET);
      expect(JSON.parse(text)).toMatchObject({ mode: 'azure', domain: `${AZURE}/v3/directline`, token: expect.stringMatching(/^azure-token-/), expires_in: 3600 });
    }
    expect(azure.isDone()).toBe(true);
    expect(sentUser).toMatch(/^dl_/);
  });

  it('answers 502 with a reason when Azure refuses or cannot be reached, without the secret', async () => {
    nock(AZURE)
      .post('/v3/directline/tokens/generate')
      .reply(403, { error: { code: 'BadArgument', message: 'bad secret' } });
    const refused = await fetch(`${server.url}/api/directline/token`, { method: 'POST' });
    expect(refused.status).toBe(502);
    const body = await refused.text();
    expect(body).toContain('403');
    expect(body).not.toContain(SECRET);

    nock(AZURE).post('/v3/directline/tokens/generate').replyWithError('connect ECONNREFUSED');
    const unreachable = await fetch(`${server.url}/api/directline/token`, { method: 'POST' });
    expect(unreachable.status).toBe(502);
    expect(await unreachable.text()).not.toContain(SECRET);

    nock(AZURE).post('/v3/directline/tokens/generate').reply(200, { nothing: true });
    expect((await fetch(`${server.url}/api/directline/token`, { method: 'POST' })).status).toBe(502);
  });
});

describe('the token endpoint without Azure', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ EKEY_WIDGET_ORIGINS: 'https://www.example.gov.cn' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('gives a token of the local Direct Line, which works there', async () => {
    const res = await fetch(`${server.url}/api/directline/token`, { method: 'POST' });
    const t = await json(res);
    expect(t).toMatchObject({ mode: 'local', domain: `${server.url}/v3/directline`, conversationId: expect.any(String), userId: expect.stringMatching(/^dl_/) });
    const start = await fetch(`${t.domain as string}/conversations`, { method: 'POST', headers: { Authorization: `Bearer ${t.token as string}` } });
    expect(start.status).toBe(201);
    expect(await json(start)).toMatchObject({ conversationId: t.conversationId });
  });

  it('lets only the listed sites call it from their pages (CORS)', async () => {
    const listed = await fetch(`${server.url}/api/directline/token`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://www.example.gov.cn', 'Access-Control-Request-Method': 'POST' },
    });
    expect(listed.status).toBe(204);
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://www.example.gov.cn');
    expect(listed.headers.get('access-control-allow-headers')).toContain('Authorization');
    const other = await fetch(`${server.url}/v3/directline/tokens/generate`, { method: 'POST', headers: { Origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const get = await fetch(`${server.url}/v3/directline/tokens/generate`, { method: 'POST', headers: { Origin: 'https://www.example.gov.cn' } });
    expect(get.headers.get('access-control-allow-origin')).toBe('https://www.example.gov.cn');
  });
});
