import { WechatCipher } from '../../src/channels/wechat/cipher.js';
import { wechatSignature } from '../../src/channels/wechat/signature.js';
import { ACCOUNT, AES_KEY, APPID, signedQuery, textXml } from '../wechat-client.js';
import { type BadInput, MARKUP, MB, ODD_TEXT, PATH_TRICKS } from './corpus.js';

/**
 * /api/wechat: the Official Account message push. Everything is signed as WeChat signs it unless the
 * entry is about the signature, so that each bad input reaches the part of the channel it is made for.
 */
const XML = { 'content-type': 'text/xml' };
let user = 0;
const openid = () => `o-bad-${(user += 1)}`;

const signed = (body: string | Buffer, name: string, expect: BadInput['expect'], status?: number, headers: Record<string, string> = XML): BadInput => ({
  name,
  path: `/api/wechat?${signedQuery('plain')}`,
  headers,
  body,
  expect,
  ...(status ? { status } : {}),
});

const fields = (inner: string, from = openid()) =>
  `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName><CreateTime>1795400000</CreateTime>${inner}</xml>`;
const text = (content: string, from = openid()) => textXml(from, content);
const escaped = (content: string) => fields(`<MsgType>text</MsgType><Content>${content}</Content><MsgId>${Math.floor(Math.random() * 1e15)}</MsgId>`);

/** A safe-mode push around `inner` (already sealed or not), with msg_signature computed over what is sent. */
function safe(name: string, encrypt: string, expect: BadInput['expect'], status?: number): BadInput {
  const q = signedQuery('safe', encrypt);
  return {
    name,
    path: `/api/wechat?${q}`,
    headers: XML,
    body: `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
    expect,
    ...(status ? { status } : {}),
  };
}

export function wechatCorpus(): BadInput[] {
  const whole = text('钥匙丢了');
  const ts = String(Math.floor(Date.now() / 1000));
  const cipher = new WechatCipher(AES_KEY, APPID);
  return [
    // Signatures come first: nothing is read without one.
    { name: 'no signature', path: '/api/wechat', headers: XML, body: whole, expect: '4xx', status: 401 },
    { name: 'a wrong signature', path: `/api/wechat?signature=${'0'.repeat(40)}&timestamp=${ts}&nonce=1`, headers: XML, body: whole, expect: '4xx', status: 403 },
    {
      name: 'a signature for another token',
      path: `/api/wechat?signature=${wechatSignature('other', ts, '1')}&timestamp=${ts}&nonce=1`,
      headers: XML,
      body: whole,
      expect: '4xx',
      status: 403,
    },
    { name: 'signature parameters given twice', path: `/api/wechat?${signedQuery('plain')}&signature=x`, headers: XML, body: whole, expect: '4xx' },
    { name: 'the URL check without echostr', method: 'GET', path: `/api/wechat?${signedQuery('plain')}`, expect: '4xx', status: 400 },
    {
      name: 'the URL check with markup in echostr',
      method: 'GET',
      path: `/api/wechat?${signedQuery('plain')}&echostr=${encodeURIComponent(MARKUP[0] as string)}`,
      expect: '2xx',
      status: 200,
    },
    { name: 'the URL check with a 10 KB echostr', method: 'GET', path: `/api/wechat?${signedQuery('plain')}&echostr=${'e'.repeat(10_000)}`, expect: '4xx', status: 400 },
    // Malformed and truncated XML.
    ...[0.1, 0.4, 0.7, 0.95].map((f) => signed(whole.slice(0, Math.floor(whole.length * f)), `the push cut at ${f * 100}%`, '4xx', 400)),
    signed('', 'an empty body', '4xx', 400),
    signed('not xml at all', 'plain text', '4xx', 400),
    signed('<xml>', 'an unclosed root', '4xx', 400),
    signed('<xml></xml>', 'no fields', '4xx', 400),
    signed('<a><b>1</b></a>', 'another root element', '4xx', 400),
    signed(`${whole}${whole}`, 'two documents', '4xx', 400),
    signed(fields('<MsgType>text</MsgType><Content>a</Content><Content>b</Content>'), 'a field given twice', '4xx', 400),
    signed(fields('<MsgType>text</MsgType><Content>a<![CDATA[b]]></Content>'), 'text and CDATA mixed', '4xx', 400),
    signed(fields(`<MsgType>text</MsgType><Content>${'<a>'.repeat(5_000)}${'</a>'.repeat(5_000)}</Content>`), 'elements nested 5,000 deep', '4xx', 400),
    signed(`<xml><ToUserName>${ACCOUNT}</ToUserName><MsgType>text</MsgType></xml>`, 'no sender', '4xx', 400),
    signed(Buffer.from([0x3c, 0x78, 0x6d, 0x6c, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x78, 0x6d, 0x6c, 0x3e]), 'bytes that are not UTF-8', '4xx', 400),
    signed(Buffer.from(whole, 'utf16le'), 'the push in UTF-16', '4xx', 400),
    // XML entities: nothing is ever expanded or fetched.
    signed(`<!DOCTYPE xml [<!ENTITY a "${'a'.repeat(100)}"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>${escaped('&b;')}`, 'billion laughs', '4xx', 400),
    signed(`<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>${escaped('&x;')}`, 'an external entity', '4xx', 400),
    signed(`<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/x.dtd">${whole}`, 'an external DTD', '4xx', 400),
    signed(`<?xml version="1.0"?><!doctype xml [<!entity a "b">]>${whole}`, 'a DTD in lower case', '4xx', 400),
    signed(escaped('&lt;script&gt;alert(1)&lt;/script&gt;'), 'escaped markup in the text', '2xx', 200),
    signed(escaped('&#0;&#x110000;&#xD800;'), 'character references that are no characters', '2xx', 200),
    signed(escaped('&unknown;'), 'an undeclared entity, kept as typed', '2xx', 200),
    signed(escaped('&#x1F511;&#38;'), 'character references', '2xx', 200),
    // Content types: the body is read as XML whatever the header says.
    signed(whole, 'no content type', '2xx', 200, {}),
    signed(whole, 'text/plain', '2xx', 200, { 'content-type': 'text/plain' }),
    signed('{"MsgType":"text","Content":"钥匙丢了"}', 'JSON', '4xx', 400, { 'content-type': 'application/json' }),
    signed('MsgType=text&Content=x', 'a form', '4xx', 400, { 'content-type': 'application/x-www-form-urlencoded' }),
    // Sizes: over the channel's 64 KB, over the server's 1 MB, and under.
    signed(text('钥'.repeat(MB / 3)), '1 MB of text', '4xx', 413),
    signed(text('x'.repeat(70 * 1024)), '70 KB of text', '4xx', 413),
    signed(text('钥匙丢了'.repeat(4_000)), '48 KB of text, under the limit', '2xx', 200),
    // Odd text, markup and path tricks in every field that is read.
    ...ODD_TEXT.filter((t) => !t.includes(']]>')).flatMap((t, i) => [
      signed(text(t), `odd text ${i} as the message`, '2xx'),
      signed(text('你好', `o-odd-${i}-${t}`), `odd text ${i} in the openid`, '2xx'),
    ]),
    ...MARKUP.flatMap((m, i) => [
      signed(text(m), `markup ${i} as the message`, '2xx', 200),
      signed(text('你好', `o-markup-${i}${m}`), `markup ${i} in the openid`, '2xx', 200),
      signed(fields(`<MsgType>event</MsgType><Event>CLICK</Event><EventKey><![CDATA[${m}]]></EventKey>`), `markup ${i} as a menu key`, '2xx', 200),
      signed(
        fields(`<MsgType>voice</MsgType><MediaId>m</MediaId><Recognition><![CDATA[${m}]]></Recognition><MsgId>${i}99</MsgId>`),
        `markup ${i} as recognised speech`,
        '2xx',
        200,
      ),
    ]),
    signed(text('a]]]]><![CDATA[>b<script>'), 'the end of CDATA inside the message', '2xx', 200),
    ...PATH_TRICKS.map((p, i) => signed(text('你好', p), `path trick ${i} as the openid`, '2xx')),
    signed(fields('<MsgType>hack</MsgType><Content>x</Content>'), 'an unknown message type', '2xx', 200),
    signed(fields('<MsgType>event</MsgType><Event>unsubscribe</Event>', '../../etc/passwd'), 'unsubscribe of a path trick', '2xx', 200),
    signed(fields('<MsgType>text</MsgType>'), 'a text message without text', '2xx', 200),
    // Safe mode.
    { name: 'an unknown encrypt_type', path: `/api/wechat?${signedQuery('plain')}&encrypt_type=des`, headers: XML, body: whole, expect: '4xx', status: 400 },
    { name: 'safe mode without msg_signature', path: `/api/wechat?${signedQuery('plain')}&encrypt_type=aes`, headers: XML, body: whole, expect: '4xx', status: 401 },
    safe('Encrypt that is not base64', '<script>', '4xx', 400),
    safe('Encrypt of random bytes', Buffer.alloc(64, 7).toString('base64'), '4xx', 400),
    safe('Encrypt of the wrong length', 'QUJD', '4xx', 400),
    safe('Encrypt sealed for another app', new WechatCipher(AES_KEY, 'wx-another-app').encrypt(whole), '4xx', 400),
    safe('Encrypt holding a DTD', cipher.encrypt(`<!DOCTYPE x [<!ENTITY a "b">]>${whole}`), '4xx', 400),
    safe('Encrypt holding no XML', cipher.encrypt('{"a":1}'), '4xx', 400),
    safe('Encrypt holding markup', cipher.encrypt(text(MARKUP[1] as string)), '2xx', 200),
    // Methods.
    { name: 'PUT', method: 'PUT', path: `/api/wechat?${signedQuery('plain')}`, headers: XML, body: whole, expect: '4xx', status: 405 },
    { name: 'DELETE', method: 'DELETE', path: '/api/wechat', expect: '4xx', status: 405 },
  ];
}
