import { CaseStoreError } from '../cases/errors.js';
import { ConfigError } from '../config.js';
import { KnowledgeError } from '../knowledge/errors.js';
import { DataDirLockedError } from '../storage/data-dir-lock.js';
import { OutboxStoreError } from '../notify/outbox-store.js';

/** A command's own refusal, already explained on stderr: ends the process with `code` once the command has cleaned up. */
export class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** What a person can act on: a bad setting, data file, store or argument; anything else is a defect and keeps its stack. */
function known(err: unknown): [string, number] | undefined {
  if (err instanceof ConfigError || err instanceof KnowledgeError || err instanceof CaseStoreError || err instanceof DataDirLockedError || err instanceof OutboxStoreError)
    return [err.message, 1];
  if (err instanceof TypeError && (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) return [err.message, 2];
  return undefined;
}

/**
 * The one error wrapper of every entry point (src/cli/*, src/main.ts): a refusal or a known problem is
 * one line on stderr and an exit code, never a stack trace.
 */
export async function runCli(main: () => Promise<void>, prefix = ''): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (err instanceof CliExit) process.exit(err.code);
    const problem = known(err);
    if (!problem) throw err;
    process.stderr.write(`${prefix}${problem[0]}\n`);
    process.exit(problem[1]);
  }
}
