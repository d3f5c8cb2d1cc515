import type { AccessTokens } from './access-token.js';
import { apiUrl, callWechatApi, WechatApiError } from './api.js';

/** invalid credential, access_token expired, invalid access_token: a fresh token may fix the call. */
const TOKEN_ERRORS = new Set([40001, 42001, 40014]);

/**
 * Sends a text through the customer-service message API (客服消息), the only way to say more than one
 * message in answer to one user message. A call refused for its token is tried once more with a fresh one.
 */
export class CustomMessageSender {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly apiBase: string,
    private readonly timeoutMs: number,
  ) {}

  async sendText(openid: string, content: string): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      const token = await this.tokens.get();
      const url = new URL(apiUrl(this.apiBase, '/cgi-bin/message/custom/send'));
      url.searchParams.set('access_token', token);
      try {
        await callWechatApi(url.toString(), { method: 'POST', body: { touser: openid, msgtype: 'text', text: { content } } }, this.timeoutMs);
        return;
      } catch (err) {
        if (attempt === 0 && err instanceof WechatApiError && TOKEN_ERRORS.has(err.errcode ?? 0)) {
          this.tokens.invalidate(token);
          continue;
        }
        throw err;
      }
    }
  }
}
