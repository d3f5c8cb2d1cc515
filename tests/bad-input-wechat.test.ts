import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWechatXml } from '../src/channels/wechat/xml.js';
import { runCorpus } from './bad-input/batches.js';
import { wechatCorpus } from './bad-input/wechat.js';
import { checkReasonLanguage, inEnglish, refusals } from './bad-input/checks.js';
import { filesUnder } from './data-files.js';
import { API_BASE, push, type RunningWechat, startWechat, textXml } from './wechat-client.js';

/** The corpus of bad input for /api/wechat (tests/bad-input/wechat.ts), against the real server. */
let w: RunningWechat;
beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
  // The customer-service API, for the parts of long answers.
  nock(API_BASE)
    .persist()
    .get(/\/cgi-bin\/token/)
    .reply(200, { access_token: 'ACCESS-BAD-INPUT', expires_in: 7200 });
  nock(API_BASE)
    .persist()
    .post(/\/cgi-bin\/message\/custom\/send/)
    .reply(200, { errcode: 0, errmsg: 'ok' });
  w = await startWechat();
});
afterAll(async () => {
  await w.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('bad input to /api/wechat', () => {
  it('gets a 4xx with a reason or a harmless, well-formed reply; the server keeps serving; no stored case changes', async () => {
    await push(w, textXml('o-seed', '钥匙丢了'));
    const seeded = await push(w, textXml('o-seed', '内资'));
    expect(seeded.reply?.Content).toContain(w.app.ctx.conversation.t('zh-CN')('outcomes:replacement-lost'));
    await w.channel.settled();
    const corpus = wechatCorpus();
    expect(corpus.length).toBeGreaterThan(80);
    const answers = await runCorpus(w.url, w.dataDir, corpus, (input, a) => {
      if (a.status !== 200 || !a.body.startsWith('<xml>')) return;
      // A passive reply is XML that parses, whatever the message held.
      expect(() => parseWechatXml(a.body), input.name).not.toThrow();
    });
    await w.channel.settled();
    // Whatever the openids held, the service wrote only inside its data directory, under its own names.
    for (const path of filesUnder(w.dataDir).keys())
      expect(path).toMatch(/^(cases|conversations|wechat-outbox)[/\\][\w./\\-]+$|^(insights\.json|service\.lock|digit-checks\.json)$/);
    expect((await push(w, textXml('o-after', '钥匙丢了'))).reply?.Content).toContain('内资');
    // WeChat's servers send no language: every refusal is in Chinese, for the Official Account's users.
    expect(checkReasonLanguage(corpus, answers, 'zh-CN')).toBe(refusals(corpus));
  }, 60_000);

  it('gives every refusal in English when the request asks for it (Accept-Language: en)', async () => {
    const corpus = inEnglish(wechatCorpus());
    const answers = await runCorpus(w.url, w.dataDir, corpus);
    expect(checkReasonLanguage(corpus, answers, 'en')).toBe(refusals(corpus));
  }, 60_000);
});
