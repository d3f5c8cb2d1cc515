import { type BadInput, MARKUP, MB, nestedJson, ODD_TEXT, PATH_TRICKS } from './corpus.js';

/**
 * The local Direct Line (/v3/directline/*, /api/directline/token), as the website widget uses it.
 * `token` opens `conversationId`, started already; `other` is a token for another conversation.
 */
export function directLineCorpus(conversationId: string, token: string, other: string): BadInput[] {
  const auth = { authorization: `Bearer ${token}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const activities = `/v3/directline/conversations/${conversationId}/activities`;
  const postActivity = (name: string, body: string | Buffer, expect: BadInput['expect'], status?: number, headers: Record<string, string> = json): BadInput => ({
    name,
    path: activities,
    headers,
    body,
    expect,
    ...(status ? { status } : {}),
  });
  const message = (over: Record<string, unknown>) => JSON.stringify({ type: 'message', from: { id: 'user' }, text: '你好', ...over });
  const whole = message({});
  return [
    // Tokens.
    {
      name: 'a token for a user id with markup',
      path: '/v3/directline/tokens/generate',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: { id: MARKUP[0] } }),
      expect: '4xx',
      status: 400,
    },
    {
      name: "a token for the server's own kind of user id",
      path: '/v3/directline/tokens/generate',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: { id: 'dl_mine' } }),
      expect: '4xx',
      status: 400,
    },
    {
      name: 'a token for a path as user id',
      path: '/v3/directline/tokens/generate',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: { id: '../../etc/passwd' } }),
      expect: '4xx',
      status: 400,
    },
    {
      name: 'a token request that is not JSON',
      path: '/v3/directline/tokens/generate',
      headers: { 'content-type': 'application/json' },
      body: '{"user":',
      expect: '4xx',
      status: 400,
    },
    {
      name: 'a token request of 5 KB',
      path: '/v3/directline/tokens/generate',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: { id: 'u' }, pad: 'x'.repeat(5_000) }),
      expect: '4xx',
      status: 413,
    },
    {
      name: 'a token request of 1 MB',
      path: '/v3/directline/tokens/generate',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(MB + 1),
      expect: '4xx',
      status: 413,
    },
    { name: 'a refresh without a token', path: '/v3/directline/tokens/refresh', expect: '4xx', status: 401 },
    {
      name: 'a refresh with a forged token',
      path: '/v3/directline/tokens/refresh',
      headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJjb252IjoieCJ9.' },
      expect: '4xx',
      status: 403,
    },
    { name: 'a refresh with a 1 MB body', path: '/v3/directline/tokens/refresh', headers: auth, body: 'x'.repeat(MB + 1), expect: '4xx', status: 413 },
    // Tokens and conversations that do not go together.
    { name: 'activities without a token', method: 'GET', path: activities, expect: '4xx', status: 401 },
    { name: 'activities with a token in the query only', method: 'GET', path: `${activities}?token=${token}`, expect: '4xx', status: 401 },
    { name: 'activities with basic authentication', method: 'GET', path: activities, headers: { authorization: `Basic ${token}` }, expect: '4xx', status: 401 },
    { name: "another conversation's token", method: 'GET', path: activities, headers: { authorization: `Bearer ${other}` }, expect: '4xx', status: 403 },
    {
      name: 'a token with one character changed',
      method: 'GET',
      path: activities,
      // The second-to-last character, made something else (it was tested against the last one, so one token in 64 came back unchanged).
      headers: { authorization: `Bearer ${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.slice(-1)}` },
      expect: '4xx',
    },
    ...PATH_TRICKS.filter((p) => !/[\s\\\u0000]/.test(p)).map((p, i): BadInput => ({
      name: `path trick ${i} as conversation id`,
      method: 'GET',
      path: `/v3/directline/conversations/${encodeURIComponent(p)}/activities`,
      headers: auth,
      expect: '4xx',
    })),
    { name: 'an encoded slash in the conversation id', method: 'GET', path: `/v3/directline/conversations/${conversationId}%2F..%2F..%2Factivities`, headers: auth, expect: '4xx' },
    // The watermark.
    ...['-1', 'abc', '1e309', '9007199254740993', '1.5', '%00'].map((w): BadInput => ({
      name: `watermark ${w}`,
      method: 'GET',
      path: `${activities}?watermark=${w}`,
      headers: auth,
      expect: '4xx',
      status: 400,
    })),
    { name: 'a watermark in hexadecimal, read as a number', method: 'GET', path: `${activities}?watermark=0x10`, headers: auth, expect: '2xx', status: 200 },
    { name: 'a watermark far ahead', method: 'GET', path: `${activities}?watermark=999999`, headers: auth, expect: '2xx', status: 200 },
    // Posted activities: malformed, wrong types, sizes, nesting, odd text, markup.
    ...[0.2, 0.5, 0.9].map((f) => postActivity(`the activity cut at ${f * 100}%`, whole.slice(0, Math.floor(whole.length * f)), '4xx', 400)),
    postActivity('an empty body', '', '4xx', 400),
    postActivity('a list', `[${whole}]`, '4xx', 400),
    postActivity('null', 'null', '4xx', 400),
    postActivity('bytes that are not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), '4xx', 400),
    postActivity('gzip', whole, '4xx', 415, { ...json, 'content-encoding': 'gzip' }),
    postActivity('no type', JSON.stringify({ text: 'hi' }), '4xx', 400),
    postActivity('a numeric type', message({ type: 1 }), '4xx', 400),
    postActivity('text as a number', message({ text: 7 }), '4xx', 400),
    postActivity('a locale of 1 KB', message({ locale: 'z'.repeat(1_024) }), '4xx', 400),
    postActivity('channelData as a list', message({ channelData: [1, 2] }), '4xx', 400),
    postActivity('from as a string', message({ from: 'me' }), '4xx', 400),
    postActivity('a 2,001-character message', message({ text: '钥'.repeat(2_001) }), '4xx', 413),
    postActivity('a 40 KB body', message({ channelData: { pad: 'x'.repeat(40_000) } }), '4xx', 413),
    postActivity('a 1 MB message', message({ text: 'x'.repeat(MB) }), '4xx', 413),
    postActivity('a value nested 60 deep', message({ value: JSON.parse(nestedJson(60)) as unknown }), '2xx', 200),
    // Refused: nesting past 64 levels would break every later read of the transcript.
    postActivity('a value nested 12,000 deep (under 32 KB)', whole.replace('"text":"你好"', `"text":"你好","value":${nestedJson(12_000, '[', ']')}`), '4xx', 400),
    postActivity('a value nested 4,000 deep', whole.replace('"text":"你好"', `"text":"你好","value":${nestedJson(4_000)}`), '4xx', 400),
    postActivity('channelData nested 4,000 deep', whole.replace('"text":"你好"', `"text":"你好","channelData":{"x":${nestedJson(4_000)}}`), '4xx', 400),
    postActivity('a typing activity', message({ type: 'typing', text: undefined }), '2xx', 200),
    postActivity('an unknown activity type', message({ type: 'hack' }), '2xx', 200),
    postActivity('a language event with markup', JSON.stringify({ type: 'event', name: 'ekey/language', value: MARKUP[0] }), '2xx', 200),
    postActivity('a button with markup', message({ value: { question: MARKUP[0], answer: MARKUP[1] } }), '2xx', 200),
    postActivity('a __proto__ key', `{"__proto__":{"polluted":"yes"},${whole.slice(1)}`, '2xx', 200),
    ...ODD_TEXT.map((t, i) => postActivity(`odd text ${i}`, message({ text: t }), '2xx', 200)),
    ...MARKUP.flatMap((m, i) => [
      postActivity(`markup ${i} as text`, message({ text: m }), '2xx', 200),
      postActivity(`markup ${i} as the sender's name`, message({ from: { id: 'user', name: m } }), '2xx', 200),
      postActivity(`markup ${i} as textFormat`, message({ textFormat: m.slice(0, 16) }), '2xx', 200),
    ]),
    // Methods.
    { name: 'DELETE a conversation', method: 'DELETE', path: `/v3/directline/conversations/${conversationId}`, headers: auth, expect: '4xx', status: 405 },
    { name: 'PUT an activity', method: 'PUT', path: activities, headers: json, body: whole, expect: '4xx', status: 405 },
    { name: 'a token by GET, as an <img> on any site would ask', method: 'GET', path: '/api/directline/token', expect: '4xx', status: 405 },
    { name: 'a token for a page of another site', path: '/api/directline/token', headers: { origin: 'https://evil.example.com' }, expect: '4xx', status: 403 },
    // Uploads: refused, with the reason, whatever is sent.
    {
      name: 'a file upload',
      path: `/v3/directline/conversations/${conversationId}/upload?userId=user`,
      headers: { ...auth, 'content-type': 'multipart/form-data; boundary=x' },
      body: '--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF\r\n--x--\r\n',
      expect: '4xx',
      status: 415,
    },
    {
      name: 'a file upload of 1 MB',
      path: `/v3/directline/conversations/${conversationId}/upload?userId=user`,
      headers: { ...auth, 'content-type': 'application/pdf' },
      body: 'x'.repeat(MB + 1),
      expect: '4xx',
      status: 413,
    },
    { name: 'an upload without a token', path: `/v3/directline/conversations/${conversationId}/upload`, body: 'x', expect: '4xx', status: 401 },
    {
      name: "an upload with another conversation's token",
      path: `/v3/directline/conversations/${conversationId}/upload`,
      headers: { authorization: `Bearer ${other}` },
      body: 'x',
      expect: '4xx',
      status: 403,
    },
    // The stream without an upgrade is no page.
    { name: 'the stream path by plain GET', method: 'GET', path: `/v3/directline/conversations/${conversationId}/stream`, headers: auth, expect: '4xx' },
  ];
}
