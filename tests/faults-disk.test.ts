import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type App, createApp } from '../src/app.js';
import { botFrameworkChannel } from '../src/channels/botframework/index.js';
import { casesRoutes } from '../src/channels/http/cases-routes.js';
import { createWechatChannel } from '../src/channels/wechat/routes.js';
import { loadConfig } from '../src/config.js';
import type { Translate } from '../src/i18n.js';
import { createLogger } from '../src/logger.js';
import { filesUnder, storedCases } from './data-files.js';
import { knowledge } from './helpers.js';
import { say, texts } from './messages-client.js';
import { referencesIn } from './service-process.js';
import { APPID, AES_KEY, API_BASE, push, type RunningWechat, SECRET, TOKEN, textXml } from './wechat-client.js';

/**
 * A full disk, injected under the service: every write to a file fails with ENOSPC (creating the file
 * still works, as on a real full disk with inodes left). And failing writes of the case store's files
 * alone (its journal, its lock). The user is told it is a temporary failure, in words from the
 * locales; the server keeps serving; what was stored stays byte for byte; and once the disk is back the
 * conversation goes on from where it was.
 */
const disk = vi.hoisted(() => ({ full: false, casesFailing: false, refused: 0 }));

const enospc = vi.hoisted(() => () => {
  disk.refused += 1;
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
});

// The small files (case segments and journal, the lock, insights, conversations) are written with the
// synchronous calls. `casesFailing` fails only the writes to files under cases/, told by their descriptors.
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const casesFds = new Set<number>();
  const openSync = ((...args: Parameters<typeof real.openSync>) => {
    const fd = real.openSync(...args);
    if (/[/\\]cases[/\\]/.test(String(args[0]))) casesFds.add(fd);
    else casesFds.delete(fd);
    return fd;
  }) as typeof real.openSync;
  const writeSync = ((...args: Parameters<typeof real.writeSync>) => {
    if (disk.full || (disk.casesFailing && casesFds.has(args[0]))) throw enospc();
    return (real.writeSync as (...a: unknown[]) => number)(...args);
  }) as typeof real.writeSync;
  const failing = <F extends (...a: never[]) => unknown>(f: F) =>
    ((...args: Parameters<F>) => {
      if (disk.full) throw enospc();
      return f(...args);
    }) as F;
  const writeFileSync = failing(real.writeFileSync);
  const appendFileSync = failing(real.appendFileSync);
  const mocked = { openSync, writeSync, writeFileSync, appendFileSync };
  return { ...real, ...mocked, default: { ...real, ...mocked } };
});

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open = (async (...args: Parameters<typeof real.open>) => {
    const handle = await real.open(...args);
    return new Proxy(handle, {
      get(target, prop) {
        if (disk.full && (prop === 'writeFile' || prop === 'write' || prop === 'appendFile'))
          return async () => {
            throw enospc();
          };
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }) as typeof real.open;
  const failing = <F extends (...a: never[]) => Promise<unknown>>(f: F) =>
    (async (...args: Parameters<F>) => {
      if (disk.full) throw enospc();
      return f(...args);
    }) as F;
  const writeFile = failing(real.writeFile);
  const appendFile = failing(real.appendFile);
  return { ...real, open, writeFile, appendFile, default: { ...real, open, writeFile, appendFile } };
});

const AGENT = 'faults-disk-agent-token-0123456789';
const phone = knowledge().contacts.hotline?.value;

interface Running {
  app: App;
  url: string;
  dataDir: string;
  wechat: RunningWechat;
}

async function start(): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ekey-disk-'));
  const config = loadConfig({
    EKEY_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    EKEY_RATE_LIMIT_RPS: '0',
    EKEY_AGENT_TOKEN: AGENT,
    WECHAT_TOKEN: TOKEN,
    WECHAT_APPID: APPID,
    WECHAT_APPSECRET: SECRET,
    WECHAT_ENCODING_AES_KEY: AES_KEY,
    // Plain and sealed pushes both reach the channel here (safe alone is the default with a key).
    WECHAT_MODE: 'compatible',
    WECHAT_API_BASE: API_BASE,
  });
  const channel = createWechatChannel({ followUpDelayMs: 0, retryDelaysMs: [10, 10], apiTimeoutMs: 300 });
  const app = await createApp(config, {
    logger: createLogger('silent'),
    channels: [botFrameworkChannel, channel, casesRoutes],
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return { app, url, dataDir, wechat: { app, url, dataDir, channel, close: async () => undefined } };
}

async function stop(r: Running): Promise<void> {
  await r.wechat.channel.settled();
  await r.app.close();
  rmSync(r.dataDir, { recursive: true, force: true });
}

const healthy = async (url: string) => (await fetch(`${url}/healthz`)).status;
const temporary = (t: Translate) => t('ui:errors.temporary', { phone });

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
});
afterEach(() => {
  disk.full = false;
  disk.casesFailing = false;
});
afterAll(() => {
  nock.enableNetConnect();
});

describe('a full disk', () => {
  let r: Running;
  beforeAll(async () => {
    r = await start();
  });
  afterAll(() => stop(r));

  it('is a temporary failure for the user, keeps what is stored byte for byte, and the conversation goes on afterwards', async () => {
    const zh = r.app.ctx.conversation.t('zh-CN');
    const en = r.app.ctx.conversation.t('en');
    // Stored before the disk fills: a case, a conversation half-way, a WeChat user's conversation.
    await say(r.url, 'disk-done', '钥匙丢了');
    const [stored] = referencesIn(texts(await say(r.url, 'disk-done', '内资')));
    expect(stored).toMatch(/^EK-/);
    const asked = texts(await say(r.url, 'disk-half', '钥匙丢了')).join('\n');
    expect(asked).toContain(zh('questions:enterpriseType.prompt'));
    await say(r.url, 'disk-en', 'I lost my key', 'en-US');
    await say(r.url, 'disk-other', '你好');
    expect((await push(r.wechat, textXml('o-disk-user', '你好'))).status).toBe(200);
    const before = filesUnder(r.dataDir);

    disk.full = true;
    const refusedBefore = disk.refused;
    const half = await say(r.url, 'disk-half', '内资');
    expect(half.status).toBe(200);
    expect(texts(half)).toEqual([temporary(zh)]);
    const english = await say(r.url, 'disk-en', 'domestic', 'en-US');
    expect(texts(english)).toEqual([temporary(en)]);
    const fresh = await say(r.url, 'disk-new', '钥匙丢了');
    expect(texts(fresh)).toEqual([temporary(zh)]);
    // Not understood: kept for the content owners, whose file is written a moment later, onto the full disk.
    expect(texts(await say(r.url, 'disk-other', 'qqq'))).toEqual([temporary(zh)]);

    const wechat = await push(r.wechat, textXml('o-disk-user', '钥匙丢了'));
    expect(wechat.status).toBe(200);
    expect(wechat.reply?.Content).toBe(temporary(zh));

    const transition = await fetch(`${r.url}/api/cases/${stored}/transitions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'submitted', agent: 'disk' }),
    });
    const refusal = (await transition.json()) as { code: string; message: string };
    expect(transition.status).toBe(500);
    expect(refusal).toEqual({ code: 'InternalError', message: zh('ui:agentApi.internal') });

    // Reading still works, and the server keeps serving.
    const read = await fetch(`${r.url}/api/cases/${stored}`, { headers: { authorization: `Bearer ${AGENT}` } });
    expect(((await read.json()) as { case: { status: string } }).case.status).toBe('advised');
    expect(await healthy(r.url)).toBe(200);
    // Everything above really met the full disk, and left nothing behind: no half-written files, no lock.
    expect(disk.refused).toBeGreaterThan(refusedBefore);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(filesUnder(r.dataDir)).toEqual(before);

    disk.full = false;
    const goesOn = await say(r.url, 'disk-half', '内资');
    const refs = referencesIn(texts(goesOn));
    expect(goesOn.activities.some((a) => a.channelData?.ekey.outcome === 'replacement-lost')).toBe(true);
    expect(refs).toHaveLength(1);
    expect(refs[0]).not.toBe(stored);
    const wechatGoesOn = await push(r.wechat, textXml('o-disk-user', '钥匙丢了'));
    expect(wechatGoesOn.reply?.Content).toContain(zh('questions:enterpriseType.prompt'));
    const after = filesUnder(r.dataDir);
    for (const [path, bytes] of before) if (!path.startsWith('cases') && !path.startsWith('conversations') && path !== 'insights.json') expect(after.get(path)).toEqual(bytes);
  });
});

describe('a failing write of the case store alone', () => {
  let r: Running;
  beforeAll(async () => {
    r = await start();
  });
  afterAll(() => stop(r));

  it('gives the outcome with a temporary failure for the reference, keeps the stored cases byte for byte, and works again once cleared', async () => {
    const zh = r.app.ctx.conversation.t('zh-CN');
    await say(r.url, 'seg-1', '钥匙丢了');
    const [first] = referencesIn(texts(await say(r.url, 'seg-1', '内资')));
    expect(first).toMatch(/^EK-/);
    const casesDir = join(r.dataDir, 'cases');
    const before = filesUnder(casesDir);
    const stored = storedCases(r.dataDir);
    expect([...stored.keys()]).toEqual([first]);

    disk.casesFailing = true;
    const refusedBefore = disk.refused;
    await say(r.url, 'seg-2', '钥匙丢了');
    const failed = await say(r.url, 'seg-2', '内资');
    expect(failed.status).toBe(200);
    expect(failed.activities.some((a) => a.channelData?.ekey.outcome === 'replacement-lost')).toBe(true);
    expect(texts(failed)).toContain(zh('ui:cases.failed', { phone }));
    expect(referencesIn(texts(failed))).toEqual([]);
    expect(disk.refused).toBeGreaterThan(refusedBefore);
    expect(filesUnder(casesDir)).toEqual(before);
    expect(await healthy(r.url)).toBe(200);

    disk.casesFailing = false;
    await say(r.url, 'seg-3', '钥匙丢了');
    const [next] = referencesIn(texts(await say(r.url, 'seg-3', '内资')));
    expect(next).toMatch(/^EK-/);
    const after = storedCases(r.dataDir);
    expect(after.get(first as string)).toBe(stored.get(first as string));
    expect([...after.keys()].sort()).toEqual([first, next].sort());
  });
});
