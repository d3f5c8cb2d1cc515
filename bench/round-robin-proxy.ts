import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobin {
  url: string;
  /** Requests sent to each upstream, in the order given. */
  counts: number[];
  /** Takes an upstream out (as a balancer does when its /healthz fails or it stops answering). */
  drop(index: number): void;
  close(): Promise<void>;
}

/**
 * One address in front of several instances, as a load balancer without sticky sessions: each request
 * goes to the next upstream in turn; a request whose upstream refuses the connection goes to the next
 * one that is still in (only before anything of it was sent, like nginx's proxy_next_upstream error).
 */
export async function roundRobin(upstreams: string[]): Promise<RoundRobin> {
  const counts = upstreams.map(() => 0);
  const out = new Set<number>();
  let next = 0;
  const pick = (): number | undefined => {
    for (let tried = 0; tried < upstreams.length; tried++) {
      const i = next++ % upstreams.length;
      if (!out.has(i)) return i;
    }
    return undefined;
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (left: number): void => {
        const i = pick();
        if (i === undefined || left === 0) {
          res.writeHead(502).end();
          return;
        }
        counts[i] = (counts[i] as number) + 1;
        const target = new URL(req.url ?? '/', upstreams[i]);
        const forward = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        forward.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'ECONNREFUSED' && !res.headersSent) {
            out.add(i);
            attempt(left - 1);
          } else if (!res.headersSent) res.writeHead(502).end();
          else res.destroy();
        });
        forward.end(body);
      };
      attempt(upstreams.length);
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    drop: (i) => out.add(i),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
