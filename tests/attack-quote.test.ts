import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { inertQuote } from '../src/conversation/quote.js';
import { renderActivities } from '../src/render/activity.js';
import { plainText } from '../src/render/plain-text.js';
import { conversation } from './helpers.js';

/**
 * A URL typed into a message that is not understood is said back in the bot's own bubble (second security
 * review, item 13): it must never become a link there, on any channel, whatever the client autolinks.
 */
const md = new MarkdownIt({ linkify: true });
const ADDRESSES = ['https://evil.example/x', 'www.evil.example', 'a@evil.example'];

describe('the "not understood" quote', () => {
  it('keeps the words but no address a client would link (attack: a link in the bot’s own bubble)', async () => {
    const c = conversation();
    let r = await c.start(c.newState('zh-CN'));
    // Asked which service: the message answers nothing and is quoted back.
    r = await c.turn(r.state, { text: '钥匙丢了' });
    const typed = `看这里 ${ADDRESSES.join(' ')}`;
    r = await c.turn(r.state, { text: typed });
    const quoted = r.messages.filter((m) => m.type === 'text' && m.text.includes('evil'));
    expect(quoted.length).toBe(1);
    const t = c.t('zh-CN');
    const shown = [...renderActivities(quoted, t, { channelId: 'webchat', lang: 'zh-CN' }).map((a) => a.text ?? ''), ...quoted.map((m) => plainText(m, t, undefined))];
    for (const text of shown) {
      for (const address of ADDRESSES) expect(text).not.toContain(address);
      // What Web Chat's Markdown (markdown-it with linkify) and an autolinking client would make of it.
      expect(md.render(text)).not.toMatch(/<a /);
      // The words read the same once the zero-width spaces are gone.
      expect(text.replace(/\u200B/g, '')).toContain(typed);
    }
  });

  it('blanks markup and breaks every address character, for any text', () => {
    expect(inertQuote('[click](https://x.example) **bold**')).not.toMatch(/[[\]()*]/);
    expect(inertQuote('a.b:c/d@e')).toBe('a\u200B.b\u200B:c\u200B/d\u200B@e');
    expect(inertQuote('x'.repeat(200))).toHaveLength(60);
  });
});
