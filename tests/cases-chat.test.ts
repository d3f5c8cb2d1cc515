import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceCaseDesk } from '../src/conversation/service-case-desk.js';
import { absoluteBase } from '../src/render/links.js';
import { plainText } from '../src/render/plain-text.js';
import type { CaseService } from '../src/cases/service.js';
import { Conversation } from '../src/conversation/conversation.js';
import type { Message } from '../src/conversation/messages.js';
import { ConversationService } from '../src/conversation/service.js';
import type { ConversationState } from '../src/conversation/state.js';
import { MemoryConversationStore } from '../src/conversation/state-store.js';
import type { Language } from '../src/knowledge/schema.js';
import { service } from './cases-helpers.js';
import { knowledge } from './helpers.js';

beforeAll(() => nock.disableNetConnect());

/** What the reply says as text: notices, and the outcome as a plain-text channel shows it (with the checklist's full address under a public URL). */
const texts = (messages: Message[], conversation: Conversation, lang: Language, publicUrl?: string) =>
  messages.flatMap((m) => (m.type === 'text' ? [m.text] : m.type === 'outcome' ? [plainText(m, conversation.t(lang), absoluteBase(publicUrl))] : []));
const REF = /EK-\d{8}-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6}/;

/** The public URL a test's service runs under, for the addresses its plain text shows. */
const publicUrls = new WeakMap<Conversation, string>();

async function desk(publicUrl?: string) {
  const s = await service(undefined, () => new Date('2026-11-23T02:00:00Z'));
  const conversation = new Conversation(knowledge(), { today: () => '2026-11-23', cases: new ServiceCaseDesk(s.cases) });
  if (publicUrl) publicUrls.set(conversation, publicUrl);
  return { ...s, conversation };
}

/** Drives one conversation; `say` returns the texts of the reply. */
function talk(conversation: Conversation, lang: Language = 'zh-CN', channel = 'test') {
  let state: ConversationState = conversation.newState(lang);
  const say = async (text: string) => {
    const r = await conversation.turn(state, { text }, { channel });
    state = r.state;
    const said = texts(r.messages, conversation, state.lang, publicUrls.get(conversation));
    return { messages: r.messages, texts: said, text: said.join('\n') };
  };
  return { say, state: () => state };
}

async function outcomeCase(conversation: Conversation, cases: CaseService, lines = ['第一次申请', '线下', '内资']) {
  const chat = talk(conversation);
  let last;
  for (const line of lines) last = await chat.say(line);
  const reference = REF.exec(last!.text)?.[0] as string;
  return { chat, reference, last: last!, record: await cases.require(reference) };
}

describe('every outcome opens a case', () => {
  it('shows the reference right after the outcome, with the expected dates and the courier caveat', async () => {
    const { conversation, cases } = await desk('https://ekey.example.gov.cn/');
    const { last, reference, record } = await outcomeCase(conversation, cases);
    const outcome = last.messages.find((m) => m.type === 'outcome');
    expect(outcome?.type === 'outcome' && outcome.case?.reference).toBe(reference);
    expect(last.text).toContain(`业务编号：${reference}`);
    expect(last.text).toContain('发证机构（审批机关）核验：2个工作日，约 2026-11-25 完成');
    expect(last.text).toContain('5个工作日，约 2026-12-02 完成');
    expect(last.text).toContain('之后电子钥匙由快递寄出至发证机构（审批机关）');
    expect(last.text).not.toContain('快递时间不计在内');
    expect(last.text).toContain(`https://ekey.example.gov.cn/cases/${reference}/checklist`);
    expect(last.text).toContain('登记联系方式');
    expect(record).toMatchObject({ rule: 'first-offline', procedures: ['first-offline'], channel: 'test', lang: 'zh-CN', status: 'advised' });
    expect(record.why.map((w) => w.question)).toEqual(['need', 'applyMode', 'enterpriseType']);
  });

  it('in English too; an outcome without a procedure (the default passwords) gives no case', async () => {
    const { conversation, store } = await desk();
    const chat = talk(conversation, 'en');
    let r = await chat.say('I forgot the login password of the system');
    if (!r.messages.some((m) => m.type === 'outcome')) r = await chat.say('login password');
    expect(r.messages.some((m) => m.type === 'outcome')).toBe(true);
    expect(r.text).not.toMatch(REF);
    expect((await store.list({ offset: 0, limit: 10 })).total).toBe(0);
    const english = talk(conversation, 'en');
    let said;
    for (const line of ['first application', 'offline', 'domestic']) said = await english.say(line);
    expect(said?.text).toMatch(/Case reference: EK-/);
  });

  it('says when the dates run into a year without holiday data', async () => {
    const s = await service(undefined, () => new Date('2026-12-28T02:00:00Z'));
    const conversation = new Conversation(knowledge(), { today: () => '2026-12-28', cases: new ServiceCaseDesk(s.cases) });
    const { last } = await outcomeCase(conversation, s.cases);
    expect(last.text).toContain('2027年及以后的节假日安排尚未收录');
  });

  it('gives the same case again when "back" leads to the same outcome', async () => {
    const { conversation, cases, store } = await desk();
    const { chat, reference } = await outcomeCase(conversation, cases);
    await chat.say('返回上一步');
    const again = await chat.say('内资');
    expect(again.text).toContain(reference);
    expect((await store.list({ offset: 0, limit: 10 })).total).toBe(1);
  });

  it('records the channel a conversation came from, named or taken from the key', async () => {
    const { conversation, cases } = await desk();
    const svc = new ConversationService(conversation, new MemoryConversationStore());
    for (const [key, channel, expected] of [
      ['wechat:o-123', undefined, 'wechat'],
      ['conv-9', 'directline', 'directline'],
      ['just-an-id', undefined, 'unknown'],
    ] as const) {
      let r;
      for (const text of ['第一次申请', '线下', '内资']) r = await svc.handle({ key, input: { text }, ...(channel ? { channel } : {}) });
      const reference = REF.exec(texts(r!.messages, conversation, 'zh-CN').join('\n'))?.[0] as string;
      expect((await cases.require(reference)).channel).toBe(expected);
    }
  });

  it('without a case store, outcomes carry no reference and status queries say they are unavailable', async () => {
    const plain = new Conversation(knowledge(), { today: () => '2026-11-23' });
    const chat = talk(plain);
    for (const line of ['第一次申请', '线下']) await chat.say(line);
    expect((await chat.say('内资')).text).not.toMatch(REF);
    expect((await chat.say('查询进度')).text).toContain('暂不可用');
  });
});

describe('"查询进度"', () => {
  it('shows the status, its date, the remark, what to resubmit and the next step', async () => {
    const { conversation, cases } = await desk();
    const { reference } = await outcomeCase(conversation, cases);
    await cases.transition(reference, { to: 'submitted', agent: 'A' });
    await cases.transition(reference, { to: 'verification-failed', agent: 'A', remark: '授权委托书未盖公章', resubmit: ['power-of-attorney'] });
    const reply = (await talk(conversation).say(`查询进度 ${reference}`)).text;
    expect(reply).toContain(`业务编号：${reference}`);
    expect(reply).toContain('办理业务：首次申领（线下申请）');
    expect(reply).toContain('当前状态：核验未通过（2026-11-23）');
    expect(reply).toContain('备注：授权委托书未盖公章');
    expect(reply).toContain('需重新提交：授权用户的授权委托书');
    expect(reply).toContain('下一步：请查看备注');
  });

  it('asks for the reference when it is not given, and gives the expected date of the running stage', async () => {
    const { conversation, cases } = await desk();
    const { reference } = await outcomeCase(conversation, cases);
    await cases.transition(reference, { to: 'submitted', agent: 'A' });
    const chat = talk(conversation);
    expect((await chat.say('查询进度')).text).toContain('请发送您的业务编号');
    expect((await chat.say('EK-2026-ABC')).text).toContain('业务编号的格式为');
    const reply = (await chat.say(reference.toLowerCase())).text;
    expect(reply).toContain('当前状态：已递交材料，发证机构（审批机关）核验中（2026-11-23）');
    expect(reply).toContain('预计 2026-11-25 前完成');
  });

  it('asks for the last four digits of the mobile number first, and shows nothing before', async () => {
    const { conversation, cases } = await desk();
    const { reference } = await outcomeCase(conversation, cases);
    await cases.setContact(reference, { mobile: '13912345678' });
    const chat = talk(conversation);
    const ask = await chat.say(`查询进度 ${reference}`);
    expect(ask.text).toContain('手机号码后四位');
    expect(ask.text).not.toContain('当前状态');
    const wrong = await chat.say('1234');
    expect(wrong.text).toContain('还可以尝试2次');
    expect(wrong.text).not.toContain('当前状态');
    expect((await chat.say('56 78')).text).toContain('当前状态：已给出办理指引');
  });

  it('locks a reference after three wrong answers, for the rest of the conversation, even after "restart"', async () => {
    const { conversation, cases } = await desk();
    const { reference } = await outcomeCase(conversation, cases);
    await cases.setContact(reference, { mobile: '13912345678' });
    const chat = talk(conversation);
    await chat.say(`查询进度 ${reference}`);
    expect((await chat.say('0000')).text).toContain('2次');
    expect((await chat.say('1111')).text).toContain('1次');
    expect((await chat.say('2222')).text).toContain('不能再查询该业务编号');
    const locked = await chat.say(`查询进度 ${reference}`);
    expect(locked.text).toContain('无法显示该业务编号的进度');
    // The right digits no longer help: they are not even asked for.
    expect((await chat.say('5678')).text).not.toContain('当前状态');
    await chat.say('重新开始');
    expect((await chat.say(`查询进度 ${reference}`)).text).toBe(locked.text);
    // Another conversation is not locked.
    expect((await talk(conversation).say(`查询进度 ${reference}`)).text).toContain('手机号码后四位');
  });

  it('answers an unknown reference exactly as a locked one', async () => {
    const { conversation, cases } = await desk();
    const { reference } = await outcomeCase(conversation, cases);
    await cases.setContact(reference, { mobile: '13912345678' });
    const chat = talk(conversation);
    await chat.say(`查询进度 ${reference}`);
    for (const d of ['0000', '1111', '2222']) await chat.say(d);
    const locked = await chat.say(`查询进度 ${reference}`);
    const unknown = await chat.say('查询进度 EK-20261123-ABCDEF');
    expect(unknown.messages).toEqual(locked.messages);
    const fresh = await talk(conversation).say('查询进度 EK-20250101-ZZZZZZ');
    expect(fresh.messages.filter((m) => !(m.type === 'text' && m.role === 'greeting'))).toEqual(locked.messages);
  });

  it('lets the consultation go on when the next message is not an answer to the status question', async () => {
    const { conversation, cases } = await desk();
    const { reference } = await outcomeCase(conversation, cases);
    await cases.setContact(reference, { mobile: '13912345678' });
    const chat = talk(conversation);
    await chat.say(`查询进度 ${reference}`);
    const r = await chat.say('我的电子钥匙丢了');
    expect(r.messages.some((m) => m.type === 'question')).toBe(true);
  });
});

describe('contact details', () => {
  it('are asked one by one, validated, and stored with the case', async () => {
    const { conversation, cases } = await desk();
    const { chat, reference } = await outcomeCase(conversation, cases);
    expect((await chat.say('登记联系方式')).text).toContain('企业名称');
    expect((await chat.say('深圳示例科技有限公司')).text).toContain('18位统一社会信用代码');
    expect((await chat.say('12345')).text).toContain('应为18位');
    expect((await chat.say('91350100M000100Y43')).text).toContain('手机号码');
    expect((await chat.say('1234567')).text).toContain('11位');
    expect((await chat.say('+86 139-1234-5678')).text).toContain(`已为业务 ${reference} 登记联系方式`);
    expect((await cases.require(reference)).contact).toEqual({ enterpriseName: '深圳示例科技有限公司', creditCode: '91350100M000100Y43', mobile: '13912345678' });
    expect(JSON.stringify(chat.state())).not.toContain('13912345678');
  });

  it('warn when the code fails the GB 32100-2015 check, and keep it once confirmed', async () => {
    const { conversation, cases } = await desk();
    const { chat, reference } = await outcomeCase(conversation, cases);
    await chat.say('登记联系方式');
    await chat.say('不');
    expect((await chat.say('91350100m000100y44')).text).toContain('GB 32100-2015');
    expect((await chat.say('是')).text).toContain('手机号码');
    await chat.say('不');
    expect((await cases.require(reference)).contact).toEqual({ creditCode: '91350100M000100Y44', creditCodeCheckFailed: true });
  });

  it('take a corrected code instead of a confirmation, and store nothing when everything is left out', async () => {
    const { conversation, cases } = await desk();
    const { chat, reference } = await outcomeCase(conversation, cases);
    await chat.say('登记联系方式');
    await chat.say('不');
    await chat.say('91350100M000100Y44');
    expect((await chat.say('91350100M000100Y43')).text).toContain('手机号码');
    await chat.say('不');
    expect((await cases.require(reference)).contact).toEqual({ creditCode: '91350100M000100Y43' });

    const other = await outcomeCase(conversation, cases, ['我要注销']);
    await other.chat.say('登记联系方式');
    for (const x of ['不', '不']) await other.chat.say(x);
    expect((await other.chat.say('不')).text).toContain('未登记');
    expect((await cases.require(other.reference)).contact).toBeUndefined();
  });

  it('need a case first', async () => {
    const { conversation } = await desk();
    expect((await talk(conversation).say('登记联系方式')).text).toContain('请先完成一次咨询');
  });
});

describe('"转人工"', () => {
  it('flags the current case for a call-back and offers to leave a mobile number', async () => {
    const { conversation, cases } = await desk();
    const { chat, reference } = await outcomeCase(conversation, cases);
    const r = await chat.say('转人工');
    expect(r.text).toContain('010－58103599');
    expect(r.text).toContain(`已为业务 ${reference} 登记人工回访`);
    expect(r.text).toContain('尚未登记手机号码');
    expect((await cases.require(reference)).callback?.requestedAt).toBeTruthy();
    expect((await cases.list({ callback: true, offset: 0, limit: 10 })).total).toBe(1);
  });

  it('without a case, gives the hotline only', async () => {
    const { conversation, cases } = await desk();
    const r = await talk(conversation).say('转人工');
    expect(r.text).toContain('010－58103599');
    expect((await cases.list({ callback: true, offset: 0, limit: 10 })).total).toBe(0);
  });
});
