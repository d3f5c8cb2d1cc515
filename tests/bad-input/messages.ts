import { type BadInput, MARKUP, MB, nestedJson, ODD_TEXT, PATH_TRICKS } from './corpus.js';

/** POST /api/messages: the Bot Framework endpoint. Replies are asked for in the response (expectReplies). */
let seq = 0;
let locale = 'zh-CN';
function activity(over: Record<string, unknown> = {}): Record<string, unknown> {
  seq += 1;
  return {
    type: 'message',
    channelId: 'emulator',
    serviceUrl: 'http://127.0.0.1:9',
    conversation: { id: `bad-${seq}` },
    from: { id: 'user' },
    recipient: { id: 'bot' },
    locale,
    deliveryMode: 'expectReplies',
    text: '你好',
    ...over,
  };
}

const JSON_TYPE = { 'content-type': 'application/json' };
const post = (name: string, body: string | Buffer, expect: BadInput['expect'], status?: number, headers: Record<string, string> = JSON_TYPE): BadInput => ({
  name,
  path: '/api/messages',
  headers,
  body,
  expect,
  ...(status ? { status } : {}),
});
const json = (name: string, value: unknown, expect: BadInput['expect'], status?: number) => post(name, JSON.stringify(value), expect, status);

/** `lang`: the locale every activity says it is in. */
export function messagesCorpus(lang = 'zh-CN'): BadInput[] {
  locale = lang;
  const whole = JSON.stringify(activity());
  return [
    // Malformed and truncated JSON.
    ...[0.1, 0.3, 0.5, 0.7, 0.9, 0.99].map((f) => post(`the activity cut at ${f * 100}%`, whole.slice(0, Math.floor(whole.length * f)), '4xx', 400)),
    post('a lone brace', '{', '4xx', 400),
    post('a trailing comma', '{"type":"message",}', '4xx', 400),
    post('single quotes', "{'type':'message'}", '4xx', 400),
    post('NaN', 'NaN', '4xx', 400),
    post('an empty body', '', '4xx', 400),
    post('only whitespace', ' \n\t ', '4xx', 400),
    post('a number', '42', '4xx', 400),
    post('true', 'true', '4xx', 400),
    post('null', 'null', '4xx', 400),
    post('a JSON string', '"message"', '4xx', 400),
    post('an array of activities', `[${whole}]`, '4xx', 400),
    post('a byte-order mark before the JSON', `\ufeff${whole}`, '4xx', 400),
    post('bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x7b, 0x80, 0x81, 0x7d]), '4xx', 400),
    post('the activity in UTF-16', Buffer.from(whole, 'utf16le'), '4xx', 400),
    post('duplicate keys: the last one counts', whole.replace('"type":"message"', '"type":"message","type":"typing"'), '2xx', 200),
    // Content types and encodings.
    post('text/plain holding an activity', JSON.stringify(activity()), '2xx', 200, { 'content-type': 'text/plain' }),
    post('no content type', JSON.stringify(activity()), '2xx', 200, {}),
    post('XML', '<activity><type>message</type></activity>', '4xx', 400, { 'content-type': 'application/xml' }),
    post('a form', 'type=message&text=hi', '4xx', 400, { 'content-type': 'application/x-www-form-urlencoded' }),
    post('multipart', '--x\r\nContent-Disposition: form-data; name="type"\r\n\r\nmessage\r\n--x--', '4xx', 400, { 'content-type': 'multipart/form-data; boundary=x' }),
    post('gzip', JSON.stringify(activity()), '4xx', 415, { ...JSON_TYPE, 'content-encoding': 'gzip' }),
    post('deflate', JSON.stringify(activity()), '4xx', 415, { ...JSON_TYPE, 'content-encoding': 'deflate' }),
    post('brotli', JSON.stringify(activity()), '4xx', 415, { ...JSON_TYPE, 'content-encoding': 'br' }),
    // Missing and wrong-typed fields.
    ...(['type', 'channelId', 'serviceUrl', 'conversation'] as const).map((f) => json(`no ${f}`, { ...activity(), [f]: undefined }, '4xx', 400)),
    json('a conversation without id', activity({ conversation: {} }), '4xx', 400),
    json('a conversation that is a string', activity({ conversation: 'c-1' }), '4xx', 400),
    json('a numeric conversation id', activity({ conversation: { id: 7 } }), '4xx', 400),
    json('an empty conversation id', activity({ conversation: { id: '' } }), '4xx', 400),
    json('a numeric type', activity({ type: 7 }), '4xx', 400),
    json('a type that is a list', activity({ type: ['message'] }), '4xx', 400),
    json('a null channelId', activity({ channelId: null }), '4xx', 400),
    json('text as a number', activity({ text: 42 }), '4xx', 400),
    json('text as a list', activity({ text: ['钥匙丢了'] }), '4xx', 400),
    json('text as an object', activity({ text: { zh: '钥匙丢了' } }), '4xx', 400),
    json('text null', activity({ text: null }), '4xx', 400),
    json('a numeric locale', activity({ locale: 1033 }), '4xx', 400),
    json('from as a string', activity({ from: 'user' }), '4xx', 400),
    json('from without id', activity({ from: { name: 'x' } }), '4xx', 400),
    json('a numeric recipient id', activity({ recipient: { id: 1 } }), '4xx', 400),
    json('membersAdded as an object', activity({ type: 'conversationUpdate', membersAdded: { id: 'x' } }), '4xx', 400),
    json('entities as a string', activity({ entities: 'mention' }), '4xx', 400),
    json('a mention that names nobody', activity({ entities: [{ type: 'mention', mentioned: 'bot' }] }), '4xx', 400),
    json('a numeric deliveryMode', activity({ deliveryMode: 1 }), '4xx', 400),
    json('isGroup as a string', activity({ conversation: { id: 'g', isGroup: 'yes' } }), '4xx', 400),
    json('a group message without a sender', activity({ conversation: { id: 'g2', isGroup: true }, from: undefined }), '4xx', 400),
    json('a button value that is a string', activity({ value: '钥匙丢了' }), '2xx', 200),
    json('a button value that is a number', activity({ value: 7 }), '2xx', 200),
    json('a button for a question never asked', activity({ value: { question: 'enterpriseType', answer: 'domestic' } }), '2xx', 200),
    json('a button with markup', activity({ value: { question: '<script>', answer: '../..' } }), '2xx', 200),
    json('an unknown activity type', activity({ type: 'hack' }), '2xx', 200),
    json('an invoke', activity({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute' } } }), '2xx'),
    json('an event', activity({ type: 'event', name: 'webchat/join' }), '2xx', 200),
    json('endOfConversation', activity({ type: 'endOfConversation' }), '2xx', 200),
    json('a conversationUpdate without members', activity({ type: 'conversationUpdate' }), '2xx', 200),
    post('a __proto__ key, as sent', `{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},${whole.slice(1)}`, '2xx', 200),
    // Sizes: over the endpoint's 256 KB, over the server's 1 MB, and just under.
    json('1 MB of text', activity({ text: 'x'.repeat(MB) }), '4xx', 413),
    json('1 MB of Chinese text', activity({ text: '钥'.repeat(MB / 3) }), '4xx', 413),
    json('300 KB of text', activity({ text: 'x'.repeat(300 * 1024) }), '4xx', 413),
    json('1 MB in from.name', activity({ from: { id: 'u', name: 'n'.repeat(MB) } }), '4xx', 413),
    json('200 KB of text, under the limit', activity({ text: '钥匙丢了'.repeat(16 * 1024) }), '2xx', 200),
    json('a value with 10,000 keys', activity({ value: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])) }), '2xx', 200),
    json('10,000 entities', activity({ entities: Array.from({ length: 10_000 }, () => ({ type: 'clientInfo' })) }), '2xx', 200),
    // Deep nesting, within the size limit: refused past 64 levels; a card's submit nests a few.
    post('a value nested 60 levels deep', whole.replace('"text":"你好"', `"text":"你好","value":${nestedJson(60)}`), '2xx', 200),
    post('braces inside a string do not count', whole.replace('"text":"你好"', `"text":"${'{['.repeat(5_000)}"`), '2xx', 200),
    post('a value nested 40,000 objects deep', whole.replace('"text":"你好"', `"text":"你好","value":${nestedJson(40_000)}`), '4xx', 400),
    post('a value nested 120,000 arrays deep', whole.replace('"text":"你好"', `"text":"你好","value":${nestedJson(120_000, '[', ']')}`), '4xx', 400),
    post('channelData nested 40,000 objects deep', whole.replace('"text":"你好"', `"text":"你好","channelData":${nestedJson(40_000)}`), '4xx', 400),
    post('a conversation nested deep', whole.replace(/"conversation":\{"id":"[^"]+"\}/, `"conversation":{"id":"deep","x":${nestedJson(40_000)}}`), '4xx', 400),
    // Control characters, emoji, markup and path tricks in every text field.
    ...ODD_TEXT.flatMap((t, i) => [
      json(`odd text ${i} as text`, activity({ text: t }), '2xx', 200),
      json(`odd text ${i} as conversation id`, activity({ conversation: { id: `odd-${i}-${t}` } }), '2xx', 200),
      json(`odd text ${i} as locale`, activity({ locale: t }), '2xx', 200),
    ]),
    ...MARKUP.flatMap((m, i) => [
      json(`markup ${i} as text`, activity({ text: m }), '2xx', 200),
      json(`markup ${i} as from.name`, activity({ from: { id: 'u', name: m } }), '2xx', 200),
      json(`markup ${i} as conversation id`, activity({ conversation: { id: `m-${i}-${m}` } }), '2xx', 200),
      json(`markup ${i} as channelId`, activity({ channelId: m }), '2xx', 200),
      json(`markup ${i} as locale`, activity({ locale: m }), '2xx', 200),
      json(`markup ${i} as a button answer`, activity({ value: { question: 'need', answer: m } }), '2xx', 200),
    ]),
    ...PATH_TRICKS.flatMap((p, i) => [
      json(`path trick ${i} as conversation id`, activity({ conversation: { id: p } }), '2xx', 200),
      json(`path trick ${i} as channelId`, activity({ channelId: p }), '2xx', 200),
      json(`path trick ${i} as user id in a group`, activity({ conversation: { id: `grp-${i}`, isGroup: true }, from: { id: p } }), '2xx', 200),
    ]),
    // Where replies would go, without expectReplies: only loopback or listed service URLs.
    json('a file serviceUrl', activity({ deliveryMode: undefined, serviceUrl: 'file:///etc/passwd' }), '4xx', 403),
    json('a cloud metadata serviceUrl', activity({ deliveryMode: undefined, serviceUrl: 'http://169.254.169.254/latest/meta-data/' }), '4xx', 403),
    json('a serviceUrl with credentials', activity({ deliveryMode: undefined, serviceUrl: 'http://user:pw@127.0.0.1:9/' }), '4xx', 403),
    json('a javascript serviceUrl', activity({ deliveryMode: undefined, serviceUrl: 'javascript:alert(1)' }), '4xx', 403),
    json('a look-alike host', activity({ deliveryMode: undefined, serviceUrl: 'http://127.0.0.1.evil.example/' }), '4xx', 403),
    // Other methods and paths.
    { name: 'GET', method: 'GET', path: '/api/messages', expect: '4xx', status: 405 },
    { name: 'PUT', method: 'PUT', path: '/api/messages', headers: JSON_TYPE, body: JSON.stringify(activity()), expect: '4xx', status: 405 },
    { name: 'DELETE', method: 'DELETE', path: '/api/messages', expect: '4xx', status: 405 },
    { name: 'a query string full of tricks', path: '/api/messages?__proto__[x]=1&a=%00&b=../..', headers: JSON_TYPE, body: JSON.stringify(activity()), expect: '2xx', status: 200 },
    { name: 'a path with a dot segment', path: '/api/messages/../messages', headers: JSON_TYPE, body: JSON.stringify(activity()), expect: '4xx' },
    { name: 'an encoded path', path: '/api%2Fmessages', headers: JSON_TYPE, body: JSON.stringify(activity()), expect: '4xx' },
  ];
}
