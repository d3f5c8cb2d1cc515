import { describe, expect, it } from 'vitest';
import type { Message } from '../src/conversation/messages.js';
import { Understander } from '../src/understand/understand.js';
import { chat, conversation, questionId } from './helpers.js';

const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(strings) : []);
const texts = (messages: Message[]) =>
  messages
    .map((m) => (m.type === 'text' || m.type === 'understood' ? m.text : m.type === 'question' ? m.question.prompt : [...strings(m.view), ...strings(m.case)].join('\n')))
    .join('\n');
const outcomeRule = (messages: Message[]) => {
  const o = messages.find((m) => m.type === 'outcome');
  return o?.type === 'outcome' ? o.outcome.rule : undefined;
};

describe('the conversation', () => {
  describe('happy paths', () => {
    it('greets, then asks what the enterprise needs', async () => {
      const c = conversation();
      const r = await c.start(c.newState('zh-CN'));
      expect(r.messages[0]).toMatchObject({ type: 'text', role: 'greeting' });
      expect(questionId(r.messages)).toBe('need');
    });

    it('takes every answer of an opening sentence and asks only what is still needed', async () => {
      const r = await chat(['外资企业，证书下个月到期，钥匙是银色的']);
      expect(questionId(r.last)).toBe('hasCode');
      const done = await chat(['外资企业，证书下个月到期，钥匙是银色的', '有', '没有']);
      expect(outcomeRule(done.last)).toBe('update-online');
    });

    it('reaches a lost-key replacement in two turns and mentions revocation', async () => {
      const r = await chat(['钥匙丢了', '内资']);
      expect(outcomeRule(r.last)).toBe('replacement-lost');
      expect(texts(r.last)).toContain('数字证书注销');
    });

    it('a change button beside a deciding answer asks that question again, keeps the other answers, and leads to the outcome of the new answer', async () => {
      const c = conversation();
      const r = await chat(['钥匙丢了', '内资'], 'zh-CN', c);
      expect(outcomeRule(r.last)).toBe('replacement-lost');
      const changed = await c.turn(r.state, { change: 'enterpriseType' });
      expect(questionId(changed.messages)).toBe('enterpriseType');
      const again = await c.turn(changed.state, { question: 'enterpriseType', answer: 'foreign' });
      const o = again.messages.find((m) => m.type === 'outcome');
      expect(o?.type === 'outcome' && o.outcome.why).toContainEqual({ question: 'enterpriseType', answer: 'foreign' });
      // A change of a question never answered changes nothing.
      const stale = await c.turn(again.state, { change: 'applyMode' });
      expect(stale.messages.map((m) => m.type)).toEqual(['text']);
    });

    it("gives each procedure's flowchart as a link of data (a root-relative path in the conversation's language), never as markup", async () => {
      const zh = await chat(['钥匙丢了', '内资']);
      const o = zh.last.find((m) => m.type === 'outcome');
      if (o?.type !== 'outcome') return expect.fail('no outcome');
      expect(o.view.procedures.map((p) => p.flowchart.path)).toContain('/flowcharts/replacement.html');
      const en = await chat(['lost my key', 'domestic'], 'en');
      const e = en.last.find((m) => m.type === 'outcome');
      if (e?.type !== 'outcome') return expect.fail('no outcome');
      expect(e.view.procedures.map((p) => p.flowchart.path)).toContain('/flowcharts/replacement.html?lang=en');
      expect(texts(zh.last)).not.toMatch(/\]\(|\*\*|^#/m);
    });

    it('works in English, keeping the Chinese document names', async () => {
      const r = await chat(['I need a key for the first time', 'offline', 'domestic'], 'en');
      expect(outcomeRule(r.last)).toBe('first-offline');
      expect(texts(r.last)).toContain('(进出口企业电子钥匙与电子认证证书申请表)');
      expect(texts(r.last)).toContain('010－58103599');
    });

    it('accepts option numbers in every form for the question being asked', async () => {
      for (const answer of ['7', '７', '第七个', '选7']) expect(outcomeRule((await chat([answer])).last), answer).toBe('revoke');
    });

    it('tells the date from which online update can be applied for', async () => {
      const r = await chat(['证书2027年3月31日到期，银色的key', '有', '帮助']);
      expect(outcomeRule(r.turns[1]!)).toBe('update-not-yet');
      expect(texts(r.turns[1]!)).toContain('2027-01-30');
    });
  });

  describe('after an outcome', () => {
    it('takes the expiry date the "not yet" outcome asked for and gives the date online update opens, keeping the answers', async () => {
      const r = await chat(['证书还有半年到期，银色的，有18位代码', '2027年6月30日']);
      expect(r.turns[0]?.find((m) => m.type === 'outcome')).toMatchObject({ outcome: { rule: 'update-not-yet', notYet: { daysBeforeExpiry: 60 } } });
      expect(r.outcome).toMatchObject({ outcome: { rule: 'update-not-yet', notYet: { expiryDate: '2027-06-30', availableFrom: '2027-05-01' } } });
      // Within the 60 days after all: the online update itself.
      expect(outcomeRule((await chat(['证书还有半年到期，银色的，有18位代码', '2026年12月31日', '没有'])).last)).toBe('update-online');
      // With the date given, the next message is a new consultation.
      expect(questionId((await chat(['证书还有半年到期，银色的，有18位代码', '2027年6月30日', '2027年1月10日'])).last)).toBe('keyColour');
    });

    it('tells a button of an answered consultation for what it is', async () => {
      const c = conversation();
      const r = await chat(['钥匙丢了', '内资'], 'zh-CN', c);
      const late = await c.turn(r.state, { question: 'enterpriseType', answer: 'foreign' });
      expect(texts(late.messages)).toBe(c.t('zh-CN')('ui:staleButtonFinished'));
    });
  });

  describe('corrections and restarts', () => {
    it('goes back one answer with 返回上一步 and accepts a different one', async () => {
      const r = await chat(['首次申领', '在线', '返回上一步', '线下', '外资']);
      expect(questionId(r.turns[2]!)).toBe('applyMode');
      expect(outcomeRule(r.last)).toBe('first-offline');
    });

    it('goes back from an outcome to its last question', async () => {
      const r = await chat(['注销证书', 'back']);
      expect(questionId(r.last)).toBe('need');
    });

    it('says so when there is nothing to go back to', async () => {
      const r = await chat(['返回']);
      expect(texts(r.last)).toContain('已经是第一个问题了');
    });

    it('starts over with 重新开始, forgetting the answers', async () => {
      const r = await chat(['钥匙丢了', '重新开始']);
      expect(questionId(r.last)).toBe('need');
      expect(r.state.answers).toEqual({});
    });

    it('starts a new consultation after an outcome', async () => {
      const r = await chat(['注销', 'PIN码锁了']);
      expect(outcomeRule(r.last)).toBe('unlock-pin');
    });

    it('lets a later explicit answer replace an earlier one', async () => {
      const r = await chat(['首次申领 内资', '不对，是外资', '在线']);
      expect(r.state.answers.enterpriseType).toBe('foreign');
    });
  });

  describe('digressions', () => {
    it("gives the current question's help and asks it again", async () => {
      const r = await chat(['证书更新', '帮助']);
      expect(texts(r.last)).toContain(conversation().t('zh-CN')('questions:expiry.help'));
      expect(questionId(r.last)).toBe('expiry');
    });

    it('switches language mid-conversation and asks the same question in English', async () => {
      const r = await chat(['补办', 'English']);
      expect(r.state.lang).toBe('en');
      expect(questionId(r.last)).toBe('lossKind');
      expect(texts(r.last)).toMatch(/lost|damaged/i);
      const back = await chat(['补办', 'English', '中文']);
      expect(back.state.lang).toBe('zh-CN');
    });

    it('gives the helpdesk phone on 转人工, and the question waiting stays on screen', async () => {
      const r = await chat(['转人工']);
      expect(texts(r.last)).toContain('010－58103599');
      const mid = await chat(['钥匙丢了', '转人工']);
      expect(texts(mid.last)).toContain('010－58103599');
      expect(mid.last.at(-1)).toMatchObject({ type: 'question', question: { id: 'enterpriseType' } });
      expect(outcomeRule((await chat(['钥匙丢了', '转人工', '内资'])).last)).toBe('replacement-lost');
    });

    it('shows the 4.3.1 guide on "don\'t know" and asks again', async () => {
      const r = await chat(['证书过期了', '不知道']);
      expect(texts(r.last)).toContain('O=*****');
      expect(questionId(r.last)).toBe('hasCode');
    });

    it('asks which password when told only that a password is locked', async () => {
      const r = await chat(['密码锁了']);
      expect(questionId(r.last)).toBe('lockKind');
      const login = await chat(['密码锁了', '登录密码']);
      expect(outcomeRule(login.last)).toBe('login-password');
      expect(texts(login.last)).toContain('Tecimp1');
    });
  });

  describe('invalid input', () => {
    it('says what was not understood, repeats the question with help, and offers a human after the second miss', async () => {
      const r = await chat(['补办', 'asdfgh', 'qwerty']);
      expect(texts(r.turns[1]!)).toContain('asdfgh');
      expect(questionId(r.turns[1]!)).toBe('lossKind');
      expect(texts(r.turns[1]!)).not.toContain('转人工”联系');
      expect(texts(r.last)).toContain('转人工');
    });

    it('quotes what it did not understand without its Markdown, so no one can make the bot post a link', async () => {
      const r = await chat(['补办', '[官方客服](https://evil.example)']);
      const said = texts(r.last);
      expect(said).toContain('官方客服');
      expect(said).not.toContain('](');
    });

    it('refuses an impossible date with a clear message', async () => {
      const r = await chat(['证书更新', '2027-02-30']);
      expect(texts(r.last)).toContain('2027-02-30');
      expect(questionId(r.last)).toBe('expiry');
    });

    it('never lets a button of an earlier question change the answers', async () => {
      const c = conversation();
      let s = c.newState('zh-CN');
      s = (await c.turn(s, { text: '首次申领' })).state;
      s = (await c.turn(s, { text: '在线' })).state;
      const stale = await c.turn(s, { question: 'applyMode', answer: 'offline' });
      expect(stale.state.answers.applyMode).toBe('online');
      expect(questionId(stale.messages)).toBe('enterpriseType');
      const fresh = await c.turn(stale.state, { question: 'enterpriseType', answer: 'domestic' });
      expect(outcomeRule(fresh.messages)).toBe('first-online');
    });

    it('survives any text without throwing', async () => {
      const r = await chat(['', '   ', '\u0000\u0001', '<script>alert(1)</script>', 'x'.repeat(100_000), '😀😀']);
      expect(questionId(r.last)).toBe('need');
    });
  });

  it("understands every option's own label sent back as text, in both languages", async () => {
    const c = conversation();
    const k = c.knowledge;
    for (const lang of ['zh-CN', 'en'] as const)
      for (const q of k.questions.values())
        for (const o of q.options) {
          const label = c.t(lang)(`questions:${q.id}.options.${o.value}`);
          const heard = new Understander(k).understand(label, { pending: q.id, today: '2026-11-23' });
          if (o.reask) expect(heard.reask?.fact, label).toBe(q.id);
          else expect(heard.answers[q.id], `${lang} ${label}`).toBe(o.value);
        }
  });

  it("keeps one conversation's answers out of another", async () => {
    const c = conversation();
    const a = await c.turn(c.newState('zh-CN'), { text: '外资' });
    const b = await c.turn(c.newState('zh-CN'), { text: '首次申领' });
    expect(a.state.answers).toEqual({ enterpriseType: 'foreign' });
    expect(b.state.answers).toEqual({ need: 'first' });
  });
});
