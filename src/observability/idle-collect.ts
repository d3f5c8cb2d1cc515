import type { Server } from 'node:http';

export interface IdleCollector {
  stop(): void;
  /** Full collections run so far, for tests and figures. */
  readonly runs: number;
}

/**
 * Gives memory back after a burst. V8 lets the old generation grow to several times what is alive while
 * requests pour in, and does not shrink it until its next full collection, which an idle process may not
 * run for hours: after 10,000 conversations the service sat at ~265 MB resident, ~155 MB of it after a
 * full collection. Once requests have come and then none for `idleMs`, one full collection is run (tens
 * of milliseconds, while nobody waits). It needs `node --expose-gc`, as `npm start` runs the service;
 * without it, it does nothing.
 */
export function collectWhenIdle(server: Server, options: { idleMs?: number; gc?: () => void } = {}): IdleCollector {
  const idleMs = options.idleMs ?? 2_000;
  const gc = options.gc ?? (globalThis as { gc?: () => void }).gc;
  let lastRequest = 0;
  let pending = false;
  let runs = 0;
  const onRequest = () => {
    lastRequest = Date.now();
    pending = true;
  };
  server.on('request', onRequest);
  const timer = setInterval(() => {
    if (!gc || !pending || Date.now() - lastRequest < idleMs) return;
    pending = false;
    gc();
    runs += 1;
  }, Math.max(250, Math.floor(idleMs / 4)));
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      server.off('request', onRequest);
    },
    get runs() {
      return runs;
    },
  };
}
