import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs `npm run guide` with its standard input from a pipe, as a helpdesk script would. */
function guide(input: string, args: string[] = []): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/guide.ts', ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(input);
  });
}

describe('the terminal guide through a pipe', () => {
  it('reads answers line by line, prints numbered options and the outcome, and exits cleanly at end of input', async () => {
    const r = await guide('1\n2\n2\n');
    expect(r.code).toBe(0);
    expect(r.out).toContain('1. 首次申领');
    expect(r.out).toContain('首次申领（线下申请）（办事指南第1(2)部分）');
    expect(r.out).toContain('外商投资企业批准证书复印件（盖公章，1份');
    expect(r.out).not.toContain('对外贸易经营者备案登记表复印件（');
    expect(r.out).toContain('感谢使用');
    expect(r.out).not.toContain('**');
  });

  it('speaks English with --lang en, and offers a new consultation after an outcome', async () => {
    const r = await guide('revoke\nunlock\npin\n', ['--lang', 'en']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/revocation/i);
    expect(r.out).toContain('(进出口企业电子钥匙与电子认证证书申请表)');
    expect(r.out).toMatch(/PIN/);
    expect(r.out).toContain('If you would like to ask about another service');
  });

  it('goes back, restarts and helps on command', async () => {
    const r = await guide('返回\n补办\n返回\n重新开始\n帮助\n');
    expect(r.code).toBe(0);
    expect(r.out).toContain('已经是第一个问题了');
    expect(r.out).toContain('已返回上一步');
    expect(r.out).toContain('好的，我们重新开始');
  });

  it('refuses an unknown language', async () => {
    const r = await guide('', ['--lang', 'fr']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--lang');
  });
});
