import { apiUrl, callWechatApi, WechatApiError } from './api.js';

export interface AccessTokenOptions {
  apiBase: string;
  appId: string;
  secret: string;
  timeoutMs: number;
  now?: () => number;
}

/** Renewed this long before WeChat says it expires, so that no call goes out with a token about to die. */
const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * The access token of the Official Account: fetched once, shared by every call, renewed before it expires
 * and, when the API says it is invalid or expired (another server may have renewed it), fetched anew.
 * Concurrent callers share one fetch.
 */
export class AccessTokens {
  private cached?: { token: string; renewAt: number };
  private pending?: Promise<string>;
  private readonly now: () => number;

  constructor(private readonly options: AccessTokenOptions) {
    this.now = options.now ?? Date.now;
  }

  async get(): Promise<string> {
    if (this.cached && this.now() < this.cached.renewAt) return this.cached.token;
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Drops the token a call was refused with, unless a newer one has replaced it meanwhile. */
  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async fetch(): Promise<string> {
    const { apiBase, appId, secret, timeoutMs } = this.options;
    const url = new URL(apiUrl(apiBase, '/cgi-bin/token'));
    url.search = new URLSearchParams({ grant_type: 'client_credential', appid: appId, secret }).toString();
    const body = await callWechatApi(url.toString(), { method: 'GET' }, timeoutMs);
    const token = body.access_token;
    const expiresIn = Number(body.expires_in);
    if (typeof token !== 'string' || token === '' || !Number.isFinite(expiresIn) || expiresIn <= 0) throw new WechatApiError('body');
    const lifetime = expiresIn * 1000;
    this.cached = { token, renewAt: this.now() + lifetime - Math.min(RENEW_BEFORE_MS, lifetime / 2) };
    return token;
  }
}
