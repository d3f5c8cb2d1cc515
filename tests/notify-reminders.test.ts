import { describe, expect, it, vi } from 'vitest';
import { beijingDate } from '../src/dates/beijing.js';
import { addDays } from '../src/notify/reminders.js';
import { push, textXml } from './wechat-client.js';
import { offline, start, wechatApi } from './notify-helpers.js';

offline();

const today = beijingDate();
const expiry = addDays(today, 90);
const windowOpens = addDays(expiry, -60);
const lastCall = addDays(expiry, -15);
const [y, m, d] = expiry.split('-').map(Number);
const NOT_YET = [`证书${y}年${m}月${d}日到期，银色的key`, '有'];

/** The passive reply's text (what the user sees first). */
const said = (p: Awaited<ReturnType<typeof push>>) => p.reply?.Content ?? '';

async function consult(openid: string) {
  const api = wechatApi();
  const s = await start();
  let last = '';
  for (const line of NOT_YET) last = said(await push(s.w, textXml(openid, line), 'compatible'));
  const shown = () => [last, ...api.custom.filter((c) => c.touser === openid).map((c) => c.content)].join('\n');
  // The outcome's further parts follow through the customer-service API, the offer last.
  await vi.waitFor(() => expect(shown()).toContain('需要提醒'), { timeout: 10_000 });
  await s.w.channel.settled();
  return { ...s, api };
}

const reminders = (api: ReturnType<typeof wechatApi>) => api.custom.filter((c) => c.content.includes('到期提醒'));

describe('certificate reminders', () => {
  it('are offered after a "not yet" outcome 90 days ahead, sent on the day the window opens once, and again 15 days before expiry', async () => {
    const { app, w, api } = await consult('o-remind-1');
    const accepted = said(await push(w, textXml('o-remind-1', '需要提醒'), 'compatible'));
    expect(accepted).toContain(windowOpens);
    expect(accepted).toContain(lastCall);
    const r = app.ctx.notify!.reminders!;
    expect((await r.scheduled()).map((s) => s.on)).toEqual([windowOpens, lastCall]);

    expect(await r.send(addDays(windowOpens, -1))).toBe(0);
    expect(await r.send(windowOpens)).toBe(1);
    await vi.waitFor(() => expect(reminders(api)).toHaveLength(1), { timeout: 10_000 });
    expect(reminders(api)[0]!.content).toContain(expiry);
    // The procedure that applies once the window is open, in its own words.
    expect(reminders(api)[0]!.content).toMatch(/在线更新|更新/);
    expect(reminders(api)[0]!.content).toContain('取消提醒');
    // A second run the same day sends nothing again.
    expect(await r.send(windowOpens)).toBe(0);
    await new Promise((done) => setTimeout(done, 300));
    expect(reminders(api)).toHaveLength(1);
    expect(await r.send(lastCall)).toBe(1);
    await vi.waitFor(() => expect(reminders(api)).toHaveLength(2), { timeout: 10_000 });
    expect(await r.send(lastCall)).toBe(0);
    expect(await r.scheduled()).toEqual([]);
  });

  it('取消提醒 before the day leaves nothing to send', async () => {
    const { app, w, api } = await consult('o-remind-2');
    await push(w, textXml('o-remind-2', '是'), 'compatible');
    const r = app.ctx.notify!.reminders!;
    expect(await r.scheduled()).toHaveLength(2);
    const cancelled = said(await push(w, textXml('o-remind-2', '取消提醒'), 'compatible'));
    expect(cancelled).toContain('已取消');
    expect(await r.scheduled()).toEqual([]);
    expect(await r.send(windowOpens)).toBe(0);
    expect(await r.send(lastCall)).toBe(0);
    await new Promise((done) => setTimeout(done, 300));
    expect(reminders(api)).toHaveLength(0);
  });

  it('a "no" schedules nothing, and the next message goes on as before', async () => {
    const { app, w } = await consult('o-remind-3');
    expect(said(await push(w, textXml('o-remind-3', '不需要'), 'compatible'))).toContain('不提醒');
    expect(await app.ctx.notify!.reminders!.scheduled()).toEqual([]);
  });
});
