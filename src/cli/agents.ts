import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createI18n, type Translate, translator } from '../i18n.js';
import { loadKnowledge } from '../knowledge/load.js';
import { AccountError, Accounts, MIN_PASSWORD } from '../desk/accounts.js';
import { FileAgentStore, ROLES, type Role } from '../desk/agent-store.js';
import { PgAgentStore } from '../desk/pg-agent-store.js';
import { Database } from '../storage/pg/database.js';
import { CliExit, runCli } from './run.js';

/**
 * `npm run agents -- add NAME [--role agent|supervisor] | list | disable NAME | reset NAME`: the desk's
 * accounts in EKEY_DATA_DIR/agents.json. A password comes on standard input: the first line of a pipe, or
 * typed twice without echo on a terminal. It is never printed nor taken from the command line.
 */
const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const fail = (line: string, code = 1): never => {
  process.stderr.write(`${line}\n`);
  throw new CliExit(code);
};

/** One line typed on the terminal, not echoed. */
function readHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let typed = '';
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done();
          return resolve(typed);
        }
        if (ch === '\u0003') {
          done();
          return reject(new CliExit(130));
        }
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += ch;
      }
    };
    const done = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
    };
    input.on('data', onData);
  });
}

/** The first line of a pipe (a final newline or CR LF taken off, nothing else). */
async function readPiped(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

async function readPassword(t: Translate): Promise<string> {
  if (!process.stdin.isTTY) {
    const piped = await readPiped();
    if (!piped) fail(t('ui:agentsCli.noPassword'), 2);
    return piped;
  }
  const first = await readHidden(t('ui:agentsCli.promptPassword'));
  const again = await readHidden(t('ui:agentsCli.promptAgain'));
  if (first !== again) fail(t('ui:agentsCli.mismatch'), 2);
  return first;
}

function explain(err: AccountError, t: Translate, name: string): string {
  if (err.code === 'badName') return t('ui:agentsCli.badName');
  if (err.code === 'exists') return t('ui:agentsCli.exists', { name });
  if (err.code === 'unknown') return t('ui:agentsCli.unknown', { name });
  return t('ui:agentsCli.weakPassword', { count: MIN_PASSWORD });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, strict: true, options: { role: { type: 'string' }, lang: { type: 'string' } } });
  const config = loadConfig();
  const t = translator(createI18n(loadKnowledge()), values.lang === 'en' ? 'en' : 'zh-CN');
  // With DATABASE_URL the accounts are the database's, which every instance reads.
  const db = config.DATABASE_URL ? await Database.open(config.DATABASE_URL, { max: 2 }) : undefined;
  try {
    await run(new Accounts(db ? new PgAgentStore(db) : new FileAgentStore(config.EKEY_DATA_DIR)), t, positionals, values.role);
  } finally {
    await db?.close();
  }
}

async function run(accounts: Accounts, t: Translate, positionals: string[], roleOption: string | undefined): Promise<void> {
  const [command, name, ...extra] = positionals;
  const role = (roleOption ?? 'agent') as Role;
  if (!ROLES.includes(role)) fail(t('ui:agentsCli.badRole', { roles: ROLES.join(', ') }), 2);
  const needsName = command === 'add' || command === 'disable' || command === 'reset';
  if (!command || (needsName ? !name || extra.length > 0 : command !== 'list' || positionals.length > 1)) fail(t('ui:agentsCli.usage'), 2);
  try {
    if (command === 'list') {
      const all = await accounts.store.list();
      if (all.length === 0) out(t('ui:agentsCli.listEmpty'));
      for (const a of all)
        out(t('ui:agentsCli.listItem', { name: a.name, role: a.role, state: a.disabled ? t('ui:agentsCli.stateDisabled') : t('ui:agentsCli.stateActive'), since: a.changedAt }));
    } else if (command === 'add') {
      await accounts.add(name!, role, await readPassword(t));
      out(t('ui:agentsCli.added', { name, role }));
    } else if (command === 'disable') {
      await accounts.disable(name!);
      out(t('ui:agentsCli.disabled', { name }));
    } else {
      await accounts.reset(name!, await readPassword(t));
      out(t('ui:agentsCli.reset', { name }));
    }
  } catch (err) {
    if (err instanceof AccountError) fail(explain(err, t, name ?? ''), 1);
    throw err;
  }
}

await runCli(main, 'agents: ');
