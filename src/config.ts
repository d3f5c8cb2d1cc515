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
  .transform((s) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

/**
 * The service's configuration, from the environment only, checked once at start-up so that a bad value
 * stops the service with a message naming the variable rather than failing on the first request.
 */
export const ConfigSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3978),
    HOST: z.string().default('0.0.0.0'),
    EKEY_DATA_DIR: z.string().min(1).default('./data'),
    /** postgres://user:password@host:port/db: everything kept goes to PostgreSQL, shared by every instance on it. */
    DATABASE_URL: optional.pipe(
      z
        .string()
        .refine((s) => URL.canParse(s) && /^postgres(ql)?:$/.test(new URL(s).protocol), 'must be a postgres:// or postgresql:// address')
        .optional(),
    ),
    /** Connections each instance opens to the database for its stores (turns hold others for their locks). */
    EKEY_DB_POOL_MAX: z.coerce.number().int().min(2).max(500).default(20),
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
    /** New cases one client (a conversation's channel user or address) may open a Beijing day; 0: no cap. */
    EKEY_MAX_CASES_PER_CLIENT_DAY: z.coerce.number().int().min(0).default(20),
    /** Messages not understood are kept for content owners this many days. */
    EKEY_INSIGHTS_RETENTION_DAYS: z.coerce.number().positive().default(90),
    /** The contact details of a closed case are erased this many days after it closed. */
    EKEY_CONTACT_RETENTION_DAYS: z.coerce.number().positive().default(180),
    /** Copies of damaged files kept aside are deleted after this many days. */
    EKEY_DAMAGED_RETENTION_DAYS: z.coerce.number().positive().default(30),
    /** Public base URL of this service, used in links (checklists, flowcharts) sent to channels. */
    EKEY_PUBLIC_URL: optional.pipe(z.url('must be an absolute URL').optional()),

    MicrosoftAppId: optional,
    MicrosoftAppPassword: optional,
    MicrosoftAppTenantId: optional,
    MicrosoftAppType: optional.pipe(z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).optional()),
    /** Without authentication, replies go only to loopback service URLs or to these. */
    EKEY_ALLOWED_SERVICE_URLS: list,
    /** Without MicrosoftAppId, /api/messages takes requests from loopback clients only, unless this is "any". */
    EKEY_BOTFRAMEWORK_OPEN: z.enum(['loopback', 'any']).default('loopback'),

    WECHAT_TOKEN: optional,
    WECHAT_APPID: optional,
    WECHAT_APPSECRET: optional,
    WECHAT_ENCODING_AES_KEY: optional.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9]{43}$/, 'must be the 43-character EncodingAESKey')
        .optional(),
    ),
    /** Which pushes are taken: plain, compatible (plain or sealed) or safe (sealed only); safe by default when an AES key is set. */
    WECHAT_MODE: optional.pipe(z.enum(['plain', 'compatible', 'safe']).optional()),
    WECHAT_API_BASE: z.url('must be an absolute URL').default('https://api.weixin.qq.com'),
    /** Template messages (模板消息) for notices after the 48-hour window: a case moved, a certificate reminder. */
    WECHAT_TEMPLATE_CASE: optional.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{10,64}$/, 'must be a template id of the Official Account')
        .optional(),
    ),
    WECHAT_TEMPLATE_REMINDER: optional.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{10,64}$/, 'must be a template id of the Official Account')
        .optional(),
    ),

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
    /** All local Direct Line transcripts together, in MB; past it new activities are refused (503). */
    EKEY_DIRECTLINE_MAX_MB: z.coerce.number().int().min(4).max(65_536).default(256),

    /** HTTP server: a request head must arrive within this many ms (slow clients holding sockets are cut). */
    EKEY_HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    /** A whole request (head and body) must arrive within this many ms. */
    EKEY_HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
    /** An idle keep-alive connection is closed after this many ms. */
    EKEY_HTTP_KEEPALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    /** Connections held at once, streams included; past it new connections are closed at once. */
    EKEY_HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(16).max(1_000_000).default(4_096),
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
    if (c.EKEY_HTTP_HEADERS_TIMEOUT_MS > c.EKEY_HTTP_REQUEST_TIMEOUT_MS)
      ctx.addIssue({ code: 'custom', path: ['EKEY_HTTP_HEADERS_TIMEOUT_MS'], message: 'must not be longer than EKEY_HTTP_REQUEST_TIMEOUT_MS (the head is part of the request)' });
    if (c.WECHAT_MODE && c.WECHAT_MODE !== 'plain' && !c.WECHAT_ENCODING_AES_KEY)
      ctx.addIssue({ code: 'custom', path: ['WECHAT_MODE'], message: `${c.WECHAT_MODE} mode needs WECHAT_ENCODING_AES_KEY` });
    const wechat = [c.WECHAT_TOKEN, c.WECHAT_APPID, c.WECHAT_APPSECRET];
    if (wechat.some(Boolean) && !wechat.every(Boolean))
      ctx.addIssue({ code: 'custom', path: ['WECHAT_TOKEN'], message: 'WECHAT_TOKEN, WECHAT_APPID and WECHAT_APPSECRET go together' });
  });

export type Config = z.infer<typeof ConfigSchema>;

/** The WeChat push mode in force: as set, else safe with an AES key and plain without. */
export function wechatMode(c: Pick<Config, 'WECHAT_MODE' | 'WECHAT_ENCODING_AES_KEY'>): 'plain' | 'compatible' | 'safe' {
  return c.WECHAT_MODE ?? (c.WECHAT_ENCODING_AES_KEY ? 'safe' : 'plain');
}

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
