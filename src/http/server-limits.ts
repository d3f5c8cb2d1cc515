import type { Server } from 'node:http';

export interface ServerLimits {
  /** A request's head must arrive whole within this (also the wait for the first byte of a new connection). */
  headersTimeoutMs: number;
  /** A request, head and body, must arrive whole within this. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Connections held at once (streams included); past it a new connection is closed at once. */
  maxConnections: number;
}

/**
 * Node's defaults keep a half-sent request head for a minute and any number of idle sockets: each
 * costs a file descriptor, and a few thousand of them stop the process from answering or writing its
 * files. Must run before listen: Node reads the checking interval when it starts listening.
 */
export function applyServerLimits(server: Server, limits: ServerLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  // How often Node looks for requests past those timeouts: a fraction of the shortest, so that none lasts much longer.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(100, Math.min(5_000, Math.floor(limits.headersTimeoutMs / 4)));
}
