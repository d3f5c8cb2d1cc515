import { randomBytes } from 'node:crypto';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { ClientQuota } from './client-quota.js';
import { clientNetwork } from './client-network.js';
import { originAllowed } from './cors.js';
import { clientOf, jsonBody, sendJson } from './http.js';
import { Refusal } from '../../http/refusal.js';
import { publicBase } from './public-base.js';

const AzureToken = z.looseObject({ conversationId: z.string().min(1), token: z.string().min(1), expires_in: z.number().int().positive() });

export interface LocalTokens {
  open(req: Request, returning?: string): Promise<{ conversationId: string; token: string; expires_in: number; userId: string }>;
}

/** Refuses a browser request from a page of another site (403 with the reason). */
export function assertOrigin(req: Request, config: AppContext['config']): void {
  if (!originAllowed(req, config.EKEY_WIDGET_ORIGINS, config.EKEY_PUBLIC_URL)) throw new Refusal(403, 'Forbidden', { key: 'ui:directline.originRefused' });
}

type Handle = (work: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response) => Promise<void>;

/**
 * POST /api/directline/token: what the page asks for to start a conversation, from this server's own
 * page or a site of EKEY_WIDGET_ORIGINS (GET answers 405: an <img> on any site could spend a visitor's
 * quota with it). With DIRECTLINE_SECRET
 * the secret is exchanged for a conversation token at Azure Direct Line, here on the server, so the
 * secret never reaches a browser; without it a token of the local Direct Line is given. The answer names
 * the Direct Line domain to use, so the page is the same in both cases.
 */
export function azureTokenEndpoint(server: Server, ctx: AppContext, local: LocalTokens, handle: Handle): void {
  const secret = ctx.config.DIRECTLINE_SECRET;
  const domain = ctx.config.DIRECTLINE_DOMAIN.replace(/\/+$/, '');
  const quota = new ClientQuota(30, 3_600_000);
  const sweeper = setInterval(() => quota.sweep(), 600_000);
  sweeper.unref();
  server.on('close', () => clearInterval(sweeper));

  const azure = async (req: Request) => {
    quota.take(clientNetwork(clientOf(req)).network, 'tokens');
    const userId = `dl_${randomBytes(12).toString('base64url')}`;
    let response: globalThis.Response;
    try {
      response = await fetch(`${domain}/tokens/generate`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ user: { id: userId } }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      ctx.logger.warn({ err: { name: (err as Error).name, message: (err as Error).message } }, 'azure direct line unreachable');
      throw new Refusal(502, 'BadGateway', { key: 'ui:refusals.directline.azureUnreachable' });
    }
    if (!response.ok) {
      ctx.logger.warn({ status: response.status }, 'azure direct line refused the token request');
      throw new Refusal(502, 'BadGateway', { key: 'ui:refusals.directline.azureRefused', params: { status: response.status } });
    }
    const parsed = AzureToken.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new Refusal(502, 'BadGateway', { key: 'ui:refusals.directline.azureNoToken' });
    const { conversationId, token, expires_in } = parsed.data;
    return { mode: 'azure', domain, conversationId, token, expires_in, userId };
  };

  const answer = handle(async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    assertOrigin(req, ctx.config);
    if (secret) {
      sendJson(res, 200, await azure(req));
      return;
    }
    const base = publicBase(req, ctx.config.EKEY_PUBLIC_URL) ?? '';
    sendJson(res, 200, { mode: 'local', domain: `${base}/v3/directline`, ...(await local.open(req, returningUser(await jsonBody(req, 1024, true).catch(() => undefined)))) });
  });
  server.post('/api/directline/token', answer);
  server.get(
    '/api/directline/token',
    handle(async (_req, res) => {
      res.setHeader('Allow', 'POST');
      throw new Refusal(405, 'MethodNotAllowed', { key: 'ui:directline.tokenPostOnly' });
    }),
  );
}

/** A user id this service gave out before (random, unguessable), kept by the page to be told what happened while away. */
const RETURNING = /^dl_[A-Za-z0-9_-]{16}$/;

export function returningUser(body: unknown): string | undefined {
  const id = (body as { userId?: unknown } | undefined)?.userId;
  return typeof id === 'string' && RETURNING.test(id) ? id : undefined;
}
