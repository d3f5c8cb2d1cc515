import { type BadInput, MARKUP, MB, nestedJson, ODD_TEXT, type RawInput } from './corpus.js';

const encodable = (t: string) => {
  try {
    encodeURIComponent(t);
    return true;
  } catch {
    return false;
  }
};

/**
 * The helpdesk's routes: the agent API (/api/cases, /api/cases/:ref, its transitions and call-backs,
 * behind the bearer token) and the printable checklist (/cases/:ref/checklist, public). `ref` is a case
 * that exists; `unknown` a well-formed reference that does not.
 */
export function casesCorpus(ref: string, unknown: string, token: string): (BadInput | RawInput)[] {
  const auth = { authorization: `Bearer ${token}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const get = (name: string, path: string, expect: BadInput['expect'], status?: number, headers: Record<string, string> = auth): BadInput => ({
    name,
    method: 'GET',
    path,
    headers,
    expect,
    ...(status ? { status } : {}),
  });
  const transition = (
    name: string,
    body: string | Buffer,
    expect: BadInput['expect'],
    status?: number,
    headers: Record<string, string> = json,
    path = `/api/cases/${ref}/transitions`,
  ): BadInput => ({
    name,
    path,
    headers,
    body,
    expect,
    ...(status ? { status } : {}),
  });
  const valid = JSON.stringify({ to: 'closed', agent: 'bad-input', remark: 'x' });
  const tricks = [
    '..%2F..%2Fetc%2Fpasswd',
    '%2e%2e',
    '%2e%2e%2f%2e%2e%2f',
    `${ref}%00`,
    `${ref}%2F..`,
    '%00',
    '%',
    '%E0%A4%A',
    `${ref.toLowerCase()}`,
    `%EF%BC%A5%EF%BC%AB-${ref.slice(3)}`,
    `${ref}%20`,
    `%20${ref}`,
    encodeURIComponent(MARKUP[0] as string),
    'EK-20261123-ABCDE0',
    'EK-99999999-ABCDEF',
    'a'.repeat(2_000),
  ];

  return [
    // The token: missing, wrong, malformed.
    get('no token', '/api/cases', '4xx', 401, {}),
    get('a wrong token', '/api/cases', '4xx', 401, { authorization: 'Bearer wrong-token-wrong-token' }),
    get('an empty bearer', '/api/cases', '4xx', 401, { authorization: 'Bearer ' }),
    get('basic authentication', '/api/cases', '4xx', 401, { authorization: `Basic ${Buffer.from(`agent:${token}`).toString('base64')}` }),
    get('the token with a prefix', '/api/cases', '4xx', 401, { authorization: `Bearer x${token}` }),
    get('two tokens', '/api/cases', '4xx', 401, { authorization: `Bearer ${token} ${token}` }),
    get('an 8 KB token', '/api/cases', '4xx', 401, { authorization: `Bearer ${'t'.repeat(8_000)}` }),
    get('a case without a token', `/api/cases/${ref}`, '4xx', 401, {}),
    transition('a transition without a token', valid, '4xx', 401, { 'content-type': 'application/json' }),
    // The list's query.
    ...[
      'page=0',
      'page=-1',
      'page=1e9',
      'page=abc',
      'pageSize=0',
      'pageSize=201',
      'pageSize=1e3',
      'from=2026-13-01',
      'from=yesterday',
      'to=2026-11-23T00:00',
      'status=Not%20An%20Id',
      'status=a&status=b',
      'callback=yes',
      'colour=red',
      `text=${'x'.repeat(101)}`,
      'text=',
      'text=%20%20',
    ].map((q) => get(`the list with ${q.slice(0, 40)}`, `/api/cases?${q}`, '4xx', 400)),
    // The query parser drops what would reach Object.prototype: these are empty queries.
    get('the list with __proto__ in the query', '/api/cases?__proto__[polluted]=1', '2xx', 200),
    get('the list with constructor.prototype in the query', '/api/cases?constructor[prototype][polluted]=1', '2xx', 200),
    ...[...MARKUP, ...ODD_TEXT.filter((t) => encodable(t) && !/[\u0000-\u001f]/.test(t))].map((t, i) =>
      get(`the list searching for odd text ${i}`, `/api/cases?text=${encodeURIComponent(t.slice(0, 100))}`, '2xx', 200),
    ),
    {
      name: 'the list with a 1 MB query',
      raw: `GET /api/cases?text=${'x'.repeat(MB)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      expect: '4xx',
    },
    get('the list with a 10 KB query', `/api/cases?text=${'x'.repeat(10_000)}`, '4xx'),
    // Path tricks in the reference.
    ...tricks.map((t, i) => get(`path trick ${i} as a case`, `/api/cases/${t}`, '4xx')),
    ...tricks.map((t, i) => transition(`path trick ${i} in a transition`, valid, '4xx', undefined, json, `/api/cases/${t}/transitions`)),
    ...tricks.map((t, i) => get(`path trick ${i} as a checklist`, `/cases/${t}/checklist`, '4xx', undefined, {})),
    get('a case that does not exist', `/api/cases/${unknown}`, '4xx', 404),
    get('a checklist that does not exist', `/cases/${unknown}/checklist`, '4xx', 404, {}),
    get('a dot segment before the case', `/api/cases/../cases/${ref}`, '4xx'),
    get('a doubled slash', `/api//cases/${ref}`, '4xx'),
    { name: 'a raw NUL in the path', raw: `GET /api/cases/${ref}\u0000 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`, expect: '4xx' },
    { name: 'a raw space in the path', raw: `GET /cases/${ref} x/checklist HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, expect: '4xx' },
    { name: 'a raw backslash path', raw: `GET /cases/..\\..\\${ref}/checklist HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, expect: '4xx' },
    // The checklist's query.
    ...['lang=de', 'lang=en&lang=zh', `lang=${encodeURIComponent(MARKUP[0] as string)}`, 'print=1', 'lang[]=en'].map((q) =>
      get(`the checklist with ${q}`, `/cases/${ref}/checklist?${q}`, '4xx', 400, {}),
    ),
    // Without the case's key the page is the same 404 as for an unknown case.
    get('the checklist, in English, without its key', `/cases/${ref}/checklist?lang=en`, '4xx', 404, {}),
    get('the checklist with a wrong key', `/cases/${ref}/checklist?key=${'A'.repeat(22)}`, '4xx', 404, {}),
    get('the checklist with a key 10,000 characters long', `/cases/${ref}/checklist?key=${'A'.repeat(10_000)}`, '4xx', 400, {}),
    get('the checklist with two keys', `/cases/${ref}/checklist?key=a&key=b`, '4xx', 400, {}),
    // Transition bodies: content types, malformed JSON, fields, sizes, nesting.
    transition('no content type', valid, '4xx', 415, auth),
    transition('text/plain', valid, '4xx', 415, { ...auth, 'content-type': 'text/plain' }),
    transition('a form', 'to=closed&agent=x', '4xx', 415, { ...auth, 'content-type': 'application/x-www-form-urlencoded' }),
    transition('XML', '<to>closed</to>', '4xx', 415, { ...auth, 'content-type': 'application/xml' }),
    ...[0.2, 0.5, 0.9].map((f) => transition(`the body cut at ${f * 100}%`, valid.slice(0, Math.floor(valid.length * f)), '4xx', 400)),
    transition('an empty body', '', '4xx', 400),
    transition('null', 'null', '4xx', 400),
    transition('a list', `[${valid}]`, '4xx', 400),
    transition('a string', '"closed"', '4xx', 400),
    transition('bytes that are not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), '4xx', 400),
    transition('no status', JSON.stringify({ agent: 'a' }), '4xx', 400),
    transition('no agent', JSON.stringify({ to: 'closed', remark: 'x' }), '4xx', 400),
    transition('a numeric status', JSON.stringify({ to: 7, agent: 'a' }), '4xx', 400),
    transition('a status that is a list', JSON.stringify({ to: ['closed'], agent: 'a' }), '4xx', 400),
    transition('an agent that is an object', JSON.stringify({ to: 'closed', agent: { name: 'a' } }), '4xx', 400),
    transition('a blank agent', JSON.stringify({ to: 'closed', agent: '   ' }), '4xx', 400),
    transition('a 101-character agent', JSON.stringify({ to: 'closed', agent: 'a'.repeat(101), remark: 'x' }), '4xx', 400),
    transition('an unknown field', JSON.stringify({ to: 'closed', agent: 'a', remark: 'x', admin: true }), '4xx', 400),
    transition('a __proto__ key', `{"__proto__":{"polluted":"yes"},"to":"closed","agent":"a","remark":"x"}`, '4xx', 400),
    transition('a status that does not exist', JSON.stringify({ to: 'approved-by-hacker', agent: 'a' }), '4xx', 400),
    transition('markup as the status', JSON.stringify({ to: MARKUP[0], agent: 'a' }), '4xx', 400),
    transition('a path as the status', JSON.stringify({ to: '../../closed', agent: 'a' }), '4xx', 400),
    transition('a status the case cannot take now', JSON.stringify({ to: 'collected', agent: 'a' }), '4xx', 409),
    transition('a closing without its remark', JSON.stringify({ to: 'closed', agent: 'a' }), '4xx', 400),
    transition('materials to resubmit on a non-rejection', JSON.stringify({ to: 'submitted', agent: 'a', resubmit: ['power-of-attorney'] }), '4xx', 400),
    transition('a path as a material', JSON.stringify({ to: 'submitted', agent: 'a', resubmit: ['../../etc/passwd'] }), '4xx', 400),
    transition('21 materials', JSON.stringify({ to: 'submitted', agent: 'a', resubmit: Array.from({ length: 21 }, (_, i) => `m${i}`) }), '4xx', 400),
    transition('a 2,001-character remark', JSON.stringify({ to: 'closed', agent: 'a', remark: 'r'.repeat(2_001) }), '4xx', 400),
    transition('a 20 KB remark', JSON.stringify({ to: 'closed', agent: 'a', remark: 'r'.repeat(20_000) }), '4xx', 413),
    transition('a 1 MB remark', JSON.stringify({ to: 'closed', agent: 'a', remark: 'r'.repeat(MB) }), '4xx', 413),
    transition('a remark nested 2,000 deep', `{"to":"closed","agent":"a","remark":${nestedJson(2_000)}}`, '4xx', 400),
    transition('a body nested 8,000 arrays deep', nestedJson(8_000, '[', ']'), '4xx', 400),
    transition('gzip', valid, '4xx', 415, { ...json, 'content-encoding': 'gzip' }),
    transition('deflate', valid, '4xx', 415, { ...json, 'content-encoding': 'deflate' }),
    { name: 'a call-back without agent', path: `/api/cases/${ref}/callback`, headers: json, body: '{}', expect: '4xx', status: 400 },
    {
      name: 'a call-back with markup and an extra field',
      path: `/api/cases/${ref}/callback`,
      headers: json,
      body: JSON.stringify({ agent: MARKUP[0], x: 1 }),
      expect: '4xx',
      status: 400,
    },
    // Methods.
    { name: 'DELETE a case', method: 'DELETE', path: `/api/cases/${ref}`, headers: auth, expect: '4xx', status: 405 },
    { name: 'PUT a case', method: 'PUT', path: `/api/cases/${ref}`, headers: json, body: '{}', expect: '4xx', status: 405 },
    { name: 'POST a list', method: 'POST', path: '/api/cases', headers: json, body: '{}', expect: '4xx', status: 405 },
    { name: 'POST a checklist', method: 'POST', path: `/cases/${ref}/checklist`, headers: json, body: '{}', expect: '4xx', status: 405 },
  ];
}
