import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface Started {
  child: ChildProcess;
  base: string;
  /** Milliseconds from spawn to the first 200 from /healthz. */
  readyMs: number;
  stop(): Promise<void>;
  rssMb(): number;
  /** The highest resident size the process has had (VmHWM). */
  peakRssMb(): number;
  /** Processor time the server has used so far, user and system, in ms: a turn's cost that a busy machine does not inflate as it does wall time. */
  cpuMs(): number;
}

/** Linux counts processor time in clock ticks of 1/100 s (USER_HZ), whatever the kernel's own rate. */
const TICK_MS = 10;

/** utime + stime from /proc/<pid>/stat (fields 14 and 15; the name in parentheses may hold spaces). */
function cpuMsOf(child: ChildProcess): number {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** A size from /proc/<pid>/status, in MB. */
function status(child: ChildProcess, field: string): number {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
}

/** Starts a server (a command and its arguments, run from the project folder) and waits for /healthz. */
export async function startServer(command: string[], port: number, env: Record<string, string> = {}): Promise<Started> {
  const t0 = performance.now();
  const script = command.join(' ');
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', EKEY_RATE_LIMIT_RPS: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    // Its own process group, so that stopping `npm start` also stops the node server npm started.
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited: ${stderr}`);
    try {
      const r = await fetch(`${base}/healthz`);
      await r.body?.cancel();
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > 60_000) throw new Error(`${script} not ready after 60 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const readyMs = performance.now() - t0;
  return {
    child,
    base,
    readyMs,
    rssMb: () => status(child, 'VmRSS'),
    peakRssMb: () => status(child, 'VmHWM'),
    cpuMs: () => cpuMsOf(child),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        process.kill(-(child.pid as number), 'SIGTERM');
      }),
  };
}
