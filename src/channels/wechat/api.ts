/** Why a call to the WeChat API failed, told apart because only some failures are worth retrying soon. */
export class WechatApiError extends Error {
  constructor(
    readonly kind: 'errcode' | 'timeout' | 'network' | 'http' | 'body',
    readonly errcode?: number,
    readonly status?: number,
  ) {
    super(kind === 'errcode' ? `WeChat API errcode ${errcode}` : `WeChat API ${kind} failure${status ? ` (HTTP ${status})` : ''}`);
    this.name = 'WechatApiError';
  }

  /** Busy, timed out, unreachable or a server error: the same call may well succeed in a moment. */
  get transient(): boolean {
    return this.kind === 'timeout' || this.kind === 'network' || (this.kind === 'http' && (this.status ?? 0) >= 500) || this.errcode === -1;
  }
}

/** An API path under the configured base, which may itself have a path (a proxy's prefix). */
export function apiUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

export type ApiBody = Record<string, unknown> & { errcode?: number };

/**
 * One JSON call to the API. The URL carries the secret or the access token, so it is never put into an
 * error or a log line: failures are described by kind and errcode only.
 */
export async function callWechatApi(url: string, init: { method: 'GET' | 'POST'; body?: unknown }, timeoutMs: number): Promise<ApiBody> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method,
      headers: init.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const name = (err as { name?: string }).name;
    throw new WechatApiError(name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network');
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new WechatApiError('timeout');
    throw new WechatApiError(res.ok ? 'body' : 'http', undefined, res.status);
  }
  if (!res.ok) throw new WechatApiError('http', undefined, res.status);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new WechatApiError('body');
  const result = body as ApiBody;
  if (typeof result.errcode === 'number' && result.errcode !== 0) throw new WechatApiError('errcode', result.errcode);
  return result;
}
