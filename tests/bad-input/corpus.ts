import { request } from 'node:http';
import { connect } from 'node:net';

/** What a bad input must get: a refusal with a reason (4xx) or a harmless answer (2xx); never a 5xx. */
export type StatusClass = '2xx' | '4xx';

export interface BadInput {
  name: string;
  method?: string;
  /** The request target exactly as sent: path tricks are not normalised away by a client. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  expect: StatusClass;
  /** The exact status, where the class alone would say too little (413, 415...). */
  status?: number;
}

/** A request written byte for byte on a socket, for what no HTTP client would send (a raw NUL in the path). */
export interface RawInput {
  name: string;
  raw: string;
  expect: StatusClass;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function send(base: string, input: BadInput): Promise<Answer> {
  const url = new URL(base);
  const body = input.body === undefined ? undefined : Buffer.isBuffer(input.body) ? input.body : Buffer.from(input.body, 'utf8');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: input.method ?? 'POST',
        path: input.path,
        agent: false,
        headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...input.headers },
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${input.name}: no answer within 15 s`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A server that refuses a large body may close the connection before all of it was written: the
      // answer it sent first still counts, so an EPIPE here is looked at by the caller through its status.
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') resolve({ status: -1, headers: {}, body: err.code });
      else reject(err);
    });
    req.end(body);
  });
}

/**
 * Written on a socket of its own, also for requests too large for nock's interception of http.request
 * (which never delivers the 431 Node answers to an oversized head).
 */
export function sendRaw(base: string, input: RawInput): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    // The server may answer and close before the whole request was written: what it said still counts.
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      if (status) resolve({ status, headers: {}, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
      else reject(new Error(`${input.name}: the connection closed without an answer`));
    });
    socket.on('error', () => undefined);
    socket.setTimeout(15_000, () => socket.destroy(new Error(`${input.name}: no answer within 15 s`)));
    socket.write(input.raw);
  });
}

export const statusClass = (status: number): string => `${String(status)[0]}xx`;

/** What an answer must never show: a stack trace, the source tree, a file path of the server. */
export const LEAKS = /\n\s+at |node_modules|\/src\/|\.ts:\d+|Error: /;

/** Text made to find what goes wrong with markup wherever it is shown. */
export const MARKUP = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  "'-alert(1)-'",
  '[官方](javascript:alert(1))',
  '{{constructor.constructor("alert(1)")()}}',
];

/** Control characters, invisible and reordering ones, surrogates, emoji: what text fields must survive. */
export const ODD_TEXT = [
  Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join(''),
  '\u0000钥匙\u0000丢了',
  '\u202e丢了钥匙\u202c',
  '\u200b\u200c\u200d\ufeff',
  '\ud800',
  '\udfff钥匙',
  '🔑🔑 钥匙丢了 👨‍👩‍👧‍👦',
  'e\u0301\u0301\u0301\u0301\u0301\u0301',
  'ＥＫ－２０２６１１２３－ＡＢＣＤＥＦ',
  '\u007f\u0085\u2028\u2029',
];

export const PATH_TRICKS = ['../../../../etc/passwd', '..\\..\\..\\windows\\win.ini', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/etc/passwd\u0000.json', 'CON', '....//....//etc'];

/** A JSON value nested `depth` levels deep, as text (JSON.stringify itself would recurse that deep). */
export function nestedJson(depth: number, open = '{"a":', close = '}', inner = '1'): string {
  return `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
}

export const MB = 1024 * 1024;
