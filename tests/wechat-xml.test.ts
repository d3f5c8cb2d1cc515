import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { encryptedReplyXml, textReplyXml } from '../src/channels/wechat/replies.js';
import { WechatCipher } from '../src/channels/wechat/cipher.js';
import { wechatSignature } from '../src/channels/wechat/signature.js';
import { MAX_PART_BYTES, splitText } from '../src/channels/wechat/split.js';
import { cdata, parseWechatXml, XmlError } from '../src/channels/wechat/xml.js';

nock.disableNetConnect();

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('the WeChat XML parser', () => {
  it('reads the top-level fields as strings, CDATA as written', () => {
    const f = parseWechatXml(
      '<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o-1]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[a &amp; <b> 1]]></Content><MsgId>6054768590064713728</MsgId></xml>',
    );
    expect(f).toEqual({ ToUserName: 'gh_1', FromUserName: 'o-1', CreateTime: '1409735668', MsgType: 'text', Content: 'a &amp; <b> 1', MsgId: '6054768590064713728' });
  });

  it('decodes the predefined entities and character references of plain text, one character each', () => {
    expect(parseWechatXml('<xml><A>x &lt;&amp;amp;&#x4e2d;&#25991;</A></xml>').A).toBe('x <&amp;中文');
  });

  it('keeps a leading-zero or huge number as the digits sent', () => {
    expect(parseWechatXml('<xml><Content>007</Content><MsgId>99999999999999999999</MsgId></xml>')).toEqual({ Content: '007', MsgId: '99999999999999999999' });
  });

  it('joins CDATA sections split around "]]>" and round-trips cdata()', () => {
    const text = 'a]]>b]]>';
    expect(parseWechatXml(`<xml><C>${cdata(text)}</C></xml>`).C).toBe(text);
  });

  it.each([
    ['a DOCTYPE with entities', '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><xml><Content>&b;</Content></xml>'],
    ['an external entity', '<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>'],
    ['a lone ENTITY declaration', '<xml><!ENTITY x "y"><Content>1</Content></xml>'],
    ['lower-case doctype', '<!doctype xml><xml/>'],
    ['mismatched tags', '<xml><Content>1</MsgType></xml>'],
    ['two documents', '<xml><A>1</A></xml><xml><A>2</A></xml>'],
    ['another root', '<message><Content>1</Content></message>'],
    ['an empty document', ''],
    ['text only', 'hello'],
    ['a repeated field', '<xml><Content>1</Content><Content>2</Content></xml>'],
    ['text mixed with CDATA', '<xml><Content>a<![CDATA[b]]>c</Content></xml>'],
    ['deep nesting', `<xml>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</xml>`],
  ])('refuses %s with an XmlError', (_name, xml) => {
    expect(() => parseWechatXml(xml)).toThrow(XmlError);
  });

  it('takes a message that only speaks of a DTD, inside CDATA, as what the user typed', () => {
    const text = '我看到<!DOCTYPE html>和<!ENTITY x "y">报错';
    expect(parseWechatXml(`<xml><MsgType>${cdata('text')}</MsgType><Content>${cdata(text)}</Content></xml>`).Content).toBe(text);
    expect(() => parseWechatXml(`<!DOCTYPE xml><xml><Content>${cdata('<!DOCTYPE html>')}</Content></xml>`)).toThrow(XmlError);
  });

  it('leaves an undeclared entity as written: nothing is ever expanded', () => {
    expect(parseWechatXml('<xml><Content>&foo;</Content></xml>').Content).toBe('&foo;');
  });
});

describe('passive replies', () => {
  it('builds a text reply that parses back to what was said', () => {
    const xml = textReplyXml('o-user', 'gh_account', '第一行\n]]> 2', 1_700_000_000_000);
    expect(parseWechatXml(xml)).toEqual({ ToUserName: 'o-user', FromUserName: 'gh_account', CreateTime: '1700000000', MsgType: 'text', Content: '第一行\n]]> 2' });
  });

  it('seals a safe-mode reply that WeChat can verify and open', () => {
    const key = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    const cipher = new WechatCipher(key, 'wx-app');
    const inner = textReplyXml('o-user', 'gh_account', '你好');
    const outer = parseWechatXml(encryptedReplyXml(cipher, 'tok', inner, 1_700_000_000_000, '12345'));
    expect(outer.TimeStamp).toBe('1700000000');
    expect(outer.Nonce).toBe('12345');
    expect(outer.MsgSignature).toBe(wechatSignature('tok', '1700000000', '12345', outer.Encrypt as string));
    expect(cipher.decrypt(outer.Encrypt as string)).toBe(inner);
  });
});

describe('splitting text for WeChat', () => {
  it('keeps a short text whole', () => {
    expect(splitText('一\n二')).toEqual(['一\n二']);
    expect(splitText('')).toEqual([]);
  });

  it('cuts at line boundaries into parts of at most 2,000 bytes that give the text back', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `第${i}行：电子钥匙的办理步骤与材料说明`);
    const text = lines.join('\n');
    const parts = splitText(text);
    expect(parts.length).toBeGreaterThan(3);
    for (const p of parts) expect(bytes(p)).toBeLessThanOrEqual(MAX_PART_BYTES);
    expect(parts.join('\n')).toBe(text);
    for (const p of parts) expect(lines).toContain(p.split('\n')[0]);
  });

  it('drops blank lines at a boundary, never inside a part', () => {
    const text = ['a'.repeat(1500), '', '', 'b'.repeat(1500), '', 'c'].join('\n');
    expect(splitText(text)).toEqual(['a'.repeat(1500), `${'b'.repeat(1500)}\n\nc`]);
  });

  it('cuts a single overlong line between characters, never inside one', () => {
    const line = '钥'.repeat(1000) + '😀'.repeat(300);
    const parts = splitText(line, 100);
    for (const p of parts) expect(bytes(p)).toBeLessThanOrEqual(100);
    expect(parts.join('')).toBe(line);
  });
});
