import { spawn } from 'node:child_process';
import { join } from 'node:path';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `tsx ARGS` (a CLI of src/cli/) with `env` added and `input` piped into its standard input. */
export function runTsx(args: string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(tsx, args, { cwd: process.cwd(), env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** `npm run agents -- ARGS`. */
export const runAgentsCli = (env: Record<string, string>, args: string[], input = ''): Promise<CliResult> => runTsx(['src/cli/agents.ts', ...args], env, input);
