// Before restify: lets it load on Node 24.
import '../src/http/restify-node24.js';
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import restify from 'restify';

/**
 * The floor of our stack for `npm run bench`: botbuilder's CloudAdapter on restify, unauthenticated,
 * echoing each message. Whatever ekey-assistant costs beyond this is the consultation's own.
 */
const port = Number(process.env.PORT ?? 3979);
const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      await context.sendActivity(context.activity.text ?? '');
      await next();
    });
  }
}
const bot = new EchoBot();
const server = restify.createServer();
server.use(restify.plugins.bodyParser({ maxBodySize: 256 * 1024 }));
server.get('/healthz', (_req, res, next) => {
  res.json({ status: 'ok' });
  return next();
});
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res as never, (context) => bot.run(context));
});
server.listen(port, '127.0.0.1');
