import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCorpus } from './bad-input/batches.js';
import { directLineCorpus } from './bad-input/directline.js';
import { newToken, type RunningServer, startServer } from './directline-helpers.js';
import { referencesIn } from './service-process.js';

/** The corpus of bad input for the local Direct Line (tests/bad-input/directline.ts), against the real server. */
let server: RunningServer;
beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  nock.enableNetConnect();
});

async function started() {
  const { conversationId, token } = await newToken(server.url);
  const res = await fetch(`${server.url}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(201);
  return { conversationId, token };
}

const post = (c: { conversationId: string; token: string }, text: string) =>
  fetch(`${server.url}/v3/directline/conversations/${c.conversationId}/activities`, {
    method: 'POST',
    headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'message', from: { id: 'user' }, text }),
  });

const transcript = async (c: { conversationId: string; token: string }) => {
  const res = await fetch(`${server.url}/v3/directline/conversations/${c.conversationId}/activities`, { headers: { authorization: `Bearer ${c.token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { activities: { text?: string }[]; watermark: string };
};

describe('bad input to the local Direct Line', () => {
  it('gets a 4xx with a reason or a harmless answer, the transcript stays readable, no stored case changes', async () => {
    const seed = await started();
    await post(seed, '钥匙丢了');
    await post(seed, '内资');
    expect(referencesIn((await transcript(seed)).activities.map((a) => JSON.stringify(a)))).toHaveLength(1);

    const c = await started();
    const other = await started();
    const corpus = directLineCorpus(c.conversationId, c.token, other.token);
    expect(corpus.length).toBeGreaterThan(60);
    await runCorpus(server.url, server.app.ctx.config.EKEY_DATA_DIR, corpus);
    // Everything that was taken is in a transcript that still serialises, and the conversation goes on.
    const after = await transcript(c);
    expect(after.activities.length).toBeGreaterThan(10);
    expect((await post(c, '钥匙丢了')).status).toBe(200);
  }, 60_000);
});
