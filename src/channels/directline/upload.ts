import type { Request, Response, Server } from 'restify';
import type { AppContext } from '../context.js';
import { chooseLanguage } from '../../conversation/service.js';
import type { DirectLineConversation, WireActivity } from './conversations.js';
import { MAX_REQUEST_BYTES } from '../../http/security.js';
import { readRawBody } from '../../http/json-body.js';
import { sendJson } from './http.js';

export interface UploadDeps {
  authorize(req: Request, conversationId?: string): Promise<{ conversation: DirectLineConversation }>;
  inOrder<T>(c: DirectLineConversation, work: () => Promise<T>): Promise<T>;
  append(c: DirectLineConversation, activity: Omit<WireActivity, 'id' | 'timestamp'>): Promise<WireActivity>;
  botId: string;
}

type Handle = (work: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response) => Promise<void>;

/**
 * POST /v3/directline/conversations/:id/upload, where Web Chat sends a file: the assistant takes none.
 * The answer is 415 with the reason, and the same reason is said in the conversation, in its language,
 * so that the user sees why rather than only "send failed". The file is read and dropped, never kept.
 */
export function uploadEndpoint(server: Server, ctx: AppContext, deps: UploadDeps, handle: Handle): void {
  server.post(
    '/v3/directline/conversations/:conversationId/upload',
    handle(async (req, res) => {
      const { conversation: c } = await deps.authorize(req, req.params.conversationId);
      // Read to its end (and dropped) so that a client still sending gets the answer, not a broken connection.
      await readRawBody(req, { limit: MAX_REQUEST_BYTES });
      const lang = c.lang ?? chooseLanguage(c.locale, undefined);
      const t = ctx.conversation.t(lang);
      await deps.inOrder(c, async () => {
        await deps.append(c, {
          type: 'message',
          text: t('ui:directline.uploadRefused'),
          textFormat: 'plain',
          locale: lang,
          channelId: 'directline',
          conversation: { id: c.id },
          from: { id: deps.botId, name: t('ui:web.botName'), role: 'bot' },
          recipient: { id: c.userId, role: 'user' },
          channelData: { ekey: { notice: 'upload-refused' } },
        });
      });
      sendJson(res, 415, { error: { code: 'UploadNotAccepted', message: t('ui:directline.uploadRefused') } });
    }),
  );
}
