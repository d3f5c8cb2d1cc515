import { parseArgs } from 'node:util';
import { createApp } from '../app.js';
import { defaultChannels } from '../channels/index.js';
import { loadConfig } from '../config.js';
import { beijingDate } from '../dates/beijing.js';
import { CliExit, runCli } from './run.js';

const USAGE = 'usage: npm run reminders -- send [--as-of YYYY-MM-DD] | list';
/** How long `send` waits for the channels to take what it queued; what is left waits in the outbox for the service. */
const SETTLE_MS = 30_000;

/**
 * `npm run reminders -- send [--as-of YYYY-MM-DD]`: queues the certificate reminders due on that Beijing
 * date (today by default) into the outbox and sends them through their channels, each once;
 * `list`: what is scheduled. The service does the same every hour; this takes the data folder, so it
 * runs while the service is stopped (or on another data folder).
 */
await runCli(async () => {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { 'as-of': { type: 'string' } } });
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
    if (command === 'list') {
      for (const { reminder, on, kind } of await reminders.scheduled())
        process.stdout.write(`${on}\t${kind}\t${reminder.target.kind}\texpires ${reminder.expiryDate}\t${reminder.lang}\n`);
      return;
    }
    const queued = await reminders.send(asOf ?? beijingDate());
    const outbox = app.ctx.notify!.outbox;
    const deadline = Date.now() + SETTLE_MS;
    const waiting = async () => (await outbox.list()).filter((n) => n.notice.kind === 'reminder' && n.state === 'pending').length;
    while ((await waiting()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const left = await waiting();
    process.stdout.write(`${queued} reminder(s) queued; ${left} still waiting in the outbox\n`);
  } finally {
    await app.close();
  }
});
