import { z } from 'zod';

/**
 * Where a notice for an enterprise goes: the channel its case (or reminder) came from, with what that
 * channel needs to reach the same user later. Recorded when the case is opened; nothing here is secret.
 */
export const Target = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('wechat'), openid: z.string().min(1).max(128) }),
  z.strictObject({
    kind: z.literal('botframework'),
    channelId: z.string().min(1).max(40),
    serviceUrl: z.url(),
    conversationId: z.string().min(1).max(512),
    botId: z.string().min(1).max(256).optional(),
    userId: z.string().min(1).max(256).optional(),
    tenantId: z.string().min(1).max(128).optional(),
  }),
  z.strictObject({ kind: z.literal('directline'), conversationId: z.string().min(1).max(128), userId: z.string().min(1).max(128) }),
]);
export type Target = z.infer<typeof Target>;
