import type { Activity, ConversationReference } from 'botbuilder';
import type { Target } from '../../cases/notify-target.js';
import type { Logger } from '../../logger.js';
import { noticeMessages } from '../../notify/case-notice.js';
import type { NoticeSender, SendResult } from '../../notify/outbox.js';
import { renderActivities } from '../../render/activity.js';
import type { LinkBase } from '../../render/links.js';
import type { AppContext } from '../context.js';
import type { BotAdapter } from './adapter.js';

/**
 * A proactive message (Bot Framework, Teams) to the conversation the case was opened in, at its
 * serviceUrl, with the adapter's credentials; the activity's id is the notice's, so a channel that sees
 * it twice can tell. A server error or no answer is tried again; a refusal (the conversation or the bot
 * is gone) is final.
 */
export function botFrameworkNoticeSender(ctx: AppContext, adapter: BotAdapter, links: LinkBase, logger: Logger): NoticeSender {
  return async (target: Target, notice, id): Promise<SendResult> => {
    if (target.kind !== 'botframework') return 'drop';
    const reference: Partial<ConversationReference> = {
      channelId: target.channelId,
      serviceUrl: target.serviceUrl,
      conversation: { id: target.conversationId, isGroup: false, conversationType: '', name: '', ...(target.tenantId ? { tenantId: target.tenantId } : {}) },
      ...(target.botId ? { bot: { id: target.botId, name: '' } } : {}),
      ...(target.userId ? { user: { id: target.userId, name: '' } } : {}),
    };
    const t = ctx.conversation.t(notice.lang);
    const activities = renderActivities(noticeMessages(notice), t, { channelId: target.channelId, lang: notice.lang, links });
    try {
      await adapter.continueConversationAsync(ctx.config.MicrosoftAppId ?? '', reference, async (context) => {
        await context.sendActivities(activities.map((a, i) => ({ ...a, id: i === 0 ? id : `${id}:${i}` })) as Partial<Activity>[]);
      });
      return 'sent';
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      const final = status !== undefined && status >= 400 && status < 500 && status !== 429;
      logger.warn({ channel: target.channelId, status, willRetry: !final, reference: notice.fields.reference }, 'proactive notice failed');
      return final ? 'drop' : 'retry';
    }
  };
}
