import { parseArgs } from 'node:util';
import { createApp } from '../app.js';
import { defaultChannels } from '../channels/index.js';
import { loadConfig } from '../config.js';
import { beijingDate } from '../dates/beijing.js';
import { CliExit, runCli } from './run.js';

const USAGE = 'usage: npm run reminders -- send [--as-of YYYY-MM-DD] | list [--lang en]';
/** How long `send` waits for the channels to take what it queued; what is left waits in the outbox for the service. */
const SETTLE_MS = 30_000;

/**
 * `npm run reminders -- send [--as-of YYYY-MM-DD]`: queues the certificate reminders due on that Beijing
 * date (today by default) into the outbox and sends them through their channels, each once;
 * `list`: what is scheduled. The service does the same every hour; this takes the data folder, so it
 * runs while the service is stopped (or on another data folder).
 */
await runCli(async () => {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { 'as-of': { type: 'string' }, lang: { type: 'string' } } });
  const command = positionals[0];
  const asOf = values['as-of'];
  if ((command !== 'send' && command !== 'list') || positionals.length > 1 || (asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(asOf))) {
    process.stderr.write(`${USAGE}\n`);
    throw new CliExit(2);
  }
  const config = loadConfig();
  const app = await createApp({ ...config, LOG_LEVEL: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL }, { channels: defaultChannels });
  try {
    const reminders = app.ctx.notify!.reminders!;
    const t = app.ctx.conversation.t(values.lang === 'en' ? 'en' : 'zh-CN');
    if (command === 'list') {
      for (const { reminder, on, kind } of await reminders.scheduled())
        process.stdout.write(
          `${t(`ui:remindersCli.line`, { on, kind: kind === 'window' ? t('ui:remindersCli.window') : t('ui:remindersCli.last'), channel: reminder.target.kind, expiry: reminder.expiryDate, lang: reminder.lang })}\n`,
        );
      return;
    }
    const queued = await reminders.send(asOf ?? beijingDate());
    const outbox = app.ctx.notify!.outbox;
    const deadline = Date.now() + SETTLE_MS;
    const waiting = () => outbox.pending('reminder');
    while ((await waiting()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const left = await waiting();
    process.stdout.write(`${t('ui:remindersCli.sent', { queued, left })}\n`);
  } finally {
    await app.close();
  }
});
