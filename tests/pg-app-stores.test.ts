import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { insightsRoute } from '../src/channels/http/insights-route.js';
import { loadConfig } from '../src/config.js';
import { PgAgentStore } from '../src/desk/pg-agent-store.js';
import { createLogger } from '../src/logger.js';
import { tempDir } from './cases-helpers.js';
import { databasePlace } from './store-places.js';

/**
 * The service on a database: outbox, reminders, accounts, insights and the guards are the database's
 * (the migrations applied at start), and nothing of them is written to the data folder.
 */
const AGENT = 'helpdesk-token-0123456789';
const database = databasePlace();

describe('the service with DATABASE_URL', () => {
  beforeAll(() => database.setup());
  afterAll(() => database.teardown());

  it('keeps notices, insights and accounts in PostgreSQL', async () => {
    const dir = tempDir('ekey-pg-app-');
    const config = loadConfig({ EKEY_DATA_DIR: dir, LOG_LEVEL: 'silent', EKEY_AGENT_TOKEN: AGENT, DATABASE_URL: database.url });
    const app = await createApp(config, { logger: createLogger('silent'), channels: [insightsRoute] });
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    try {
      expect(app.ctx.agents).toBeInstanceOf(PgAgentStore);
      const outbox = app.ctx.notify!.outbox;
      expect(await outbox.enqueue('app-1', { kind: 'wechat', openid: 'o-app' }, { kind: 'case', lang: 'en', title: 'moved', lines: [], fields: {} })).toBe(true);
      app.ctx.insights!.feedback({ procedures: ['unlock'], rule: 'r', helpful: true, lang: 'en' });
      const res = await fetch(`${url}/api/insights`, { headers: { authorization: `Bearer ${AGENT}` } });
      expect(res.status).toBe(200);
      expect((await res.json()).feedback).toEqual({ unlock: { helpful: 1, notHelpful: 0 } });
      expect(await app.ctx.notify!.reminders!.scheduled()).toEqual([]);
    } finally {
      await app.close();
    }
    const db = await database.open();
    const { rows } = await db.query<{ id: string; state: string }>('SELECT id, state FROM outbox');
    expect(rows).toEqual([{ id: 'app-1', state: 'pending' }]);
    for (const file of ['outbox/notifications.json', 'insights.json', 'reminders/reminders.json', 'digit-checks.json']) expect(existsSync(join(dir, file))).toBe(false);
  });
});
