import type { ChannelRegistrar } from '../context.js';
import { bearerMatches } from './agent-auth.js';
import { requestLanguage } from './cases-api.js';

/**
 * GET /api/insights, for content owners behind the agent token: "was this helpful?" per procedure and the
 * latest messages not understood (already scrubbed of personal data), to improve synonyms and texts.
 */
export const insightsRoute: ChannelRegistrar = (server, ctx) => {
  server.get('/api/insights', (req, res, next) => {
    const t = ctx.conversation.t(requestLanguage(req));
    const token = ctx.config.EKEY_AGENT_TOKEN;
    if (!token || !ctx.insights) {
      res.status(503);
      res.json({ code: 'AgentApiDisabled', message: t('ui:agentApi.disabled') });
    } else if (!bearerMatches(req.headers.authorization, token)) {
      res.header('WWW-Authenticate', 'Bearer realm="ekey-helpdesk"');
      res.status(401);
      res.json({ code: 'Unauthorized', message: t('ui:agentApi.unauthorized') });
    } else {
      // Read from the database with PostgreSQL: answered once it is there, a failure told by the error handler.
      void Promise.resolve(ctx.insights.snapshot()).then((data) => {
        res.json({ feedback: data.feedback, notUnderstood: [...data.notUnderstood].reverse() });
        next();
      }, next);
      return;
    }
    return next();
  });
};
