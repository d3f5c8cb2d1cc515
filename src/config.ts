import { z } from 'zod';
import { compileTrust } from './http/client-address.js';

const optional = z
  .string()
  .transform((s) => s.trim())
  .transform((s) => (s === '' ? undefined : s))
  .optional();

const list = z
  .string()
  .optional()
  .transform((s) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean));

/**
 * The service's configuration, from the environment only, checked once at start-up so that a bad value
 * stops the service with a message naming the variable rather than failing on the first request.
 */
export const ConfigSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3978),
    HOST: z.string().default('0.0.0.0'),
    EKEY_DATA_DIR: z.string().min(1).default('./data'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Per-client requests per second on the public endpoints (0 turns the limit off, e.g. for load tests). */
    EKEY_RATE_LIMIT_RPS: z.coerce.number().min(0).default(20),
    EKEY_RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(60),
    /** Proxies whose X-Forwarded-For names the client (addresses, CIDR ranges, "loopback"); none by default. */
    EKEY_TRUSTED_PROXIES: list,
    /** Turns one conversation may take per EKEY_TURN_LIMIT_WINDOW_S on every channel (0 turns the limit off). */
    EKEY_TURN_LIMIT: z.coerce.number().int().min(0).default(15),
    EKEY_TURN_LIMIT_WINDOW_S: z.coerce.number().int().min(1).default(10),
    /** Conversations silent for longer than this are forgotten. */
    EKEY_CONVERSATION_TTL_HOURS: z.coerce.number().positive().default(24),
    /** The helpdesk's bearer token; without it the agent API is off. */
    EKEY_AGENT_TOKEN: optional.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
    /** Public base URL of this service, used in links (checklists, flowcharts) sent to channels. */
    EKEY_PUBLIC_URL: optional.pipe(z.url('must be an absolute URL').optional()),

    MicrosoftAppId: optional,
    MicrosoftAppPassword: optional,
    MicrosoftAppTenantId: optional,
    MicrosoftAppType: optional.pipe(z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).optional()),
    /** Without authentication, replies go only to loopback service URLs or to these. */
    EKEY_ALLOWED_SERVICE_URLS: list,

    WECHAT_TOKEN: optional,
    WECHAT_APPID: optional,
    WECHAT_APPSECRET: optional,
    WECHAT_ENCODING_AES_KEY: optional.pipe(z.string().regex(/^[A-Za-z0-9]{43}$/, 'must be the 43-character EncodingAESKey').optional()),
    WECHAT_API_BASE: z.url('must be an absolute URL').default('https://api.weixin.qq.com'),

    /** Signs the local Direct Line tokens; generated per start when unset (tokens then die with a restart). */
    EKEY_DIRECTLINE_SECRET: optional.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    /** An Azure Direct Line secret: when set, the page uses Azure Direct Line through /api/directline/token. */
    DIRECTLINE_SECRET: optional,
    /** The Azure Direct Line endpoint for that secret: a regional one, or Azure China's (directline.botframework.azure.cn). */
    DIRECTLINE_DOMAIN: z.url('must be an absolute URL').default('https://directline.botframework.com/v3/directline'),
    /** A font file with Chinese characters for the PNG flowcharts; by default the usual system locations are searched. */
    EKEY_CJK_FONT: optional,
    /** Origins allowed to embed the widget (CORS); empty means same origin only. */
    EKEY_WIDGET_ORIGINS: list,
  })
  .superRefine((c, ctx) => {
    try {
      compileTrust(c.EKEY_TRUSTED_PROXIES);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['EKEY_TRUSTED_PROXIES'], message: `is not a list of addresses or ranges (${(err as Error).message})` });
    }
    if (c.MicrosoftAppId && !c.MicrosoftAppType)
      ctx.addIssue({ code: 'custom', path: ['MicrosoftAppType'], message: 'is required with MicrosoftAppId (MultiTenant, SingleTenant or UserAssignedMSI)' });
    if (c.MicrosoftAppId && c.MicrosoftAppType !== 'UserAssignedMSI' && !c.MicrosoftAppPassword)
      ctx.addIssue({ code: 'custom', path: ['MicrosoftAppPassword'], message: 'is required with MicrosoftAppId' });
    if (c.MicrosoftAppType === 'SingleTenant' && !c.MicrosoftAppTenantId)
      ctx.addIssue({ code: 'custom', path: ['MicrosoftAppTenantId'], message: 'is required for a SingleTenant bot' });
    const wechat = [c.WECHAT_TOKEN, c.WECHAT_APPID, c.WECHAT_APPSECRET];
    if (wechat.some(Boolean) && !wechat.every(Boolean))
      ctx.addIssue({ code: 'custom', path: ['WECHAT_TOKEN'], message: 'WECHAT_TOKEN, WECHAT_APPID and WECHAT_APPSECRET go together' });
  });

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`));
  return parsed.data;
}
