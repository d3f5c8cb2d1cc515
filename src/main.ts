import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { runCli } from './cli/run.js';
import { defaultChannels } from './channels/index.js';
import { collectWhenIdle } from './observability/idle-collect.js';

/** `npm start`: configuration from the environment, then every channel on PORT. */
await runCli(async () => {
  const config = loadConfig();
  const app = await createApp(config, { channels: defaultChannels });
  await new Promise<void>((resolve) => app.server.listen(config.PORT, config.HOST, resolve));
  app.ctx.logger.info({ port: config.PORT }, 'ekey-assistant listening');
  const idle = collectWhenIdle(app.server.server);
  const stop = (signal: string) => {
    app.ctx.logger.info({ signal }, 'stopping');
    idle.stop();
    const force = setTimeout(() => process.exit(1), 5_000);
    force.unref();
    void app.close().then(
      () => process.exit(0),
      (err: Error) => {
        app.ctx.logger.error({ err: { name: err.name, message: err.message } }, 'could not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}, 'ekey-assistant cannot start: ');
