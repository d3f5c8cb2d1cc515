import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** A handler of upgrade requests to one path; it answers or closes the socket itself. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

interface Route {
  matches: (path: string) => boolean;
  handle: UpgradeHandler;
  /** Ends the route's open connections, so that the server can close. */
  close?: () => void;
}

interface Router {
  routes: Route[];
  sockets: Set<Duplex>;
}

const routers = new WeakMap<Server, Router>();

/** An HTTP answer written straight to a socket that was asked to upgrade, then the socket is closed. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, body: unknown): void {
  if (socket.destroyed) return;
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
      `X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${text}`,
  );
  // A client that never reads must not keep the socket: end() waits for the answer to drain.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

function router(server: Server): Router {
  const r = routers.get(server);
  if (r) return r;
  const created: Router = { routes: [], sockets: new Set() };
  routers.set(server, created);
  // With no listener, an upgrade request is left to Node; with this one every upgrade is answered as soon
  // as its head is read, by its route or with 404 and closed (an upgraded socket has no request timeout).
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://upgrade.invalid').pathname;
    } catch {
      path = '';
    }
    const route = created.routes.find((x) => x.matches(path));
    if (!route) {
      refuseUpgrade(socket, 404, 'Not Found', { error: { code: 'NotFound', message: 'no stream at this path' } });
      return;
    }
    created.sockets.add(socket);
    socket.once('close', () => created.sockets.delete(socket));
    try {
      route.handle(req, socket, head);
    } catch {
      refuseUpgrade(socket, 500, 'Internal Server Error', { error: { code: 'ServiceError', message: 'internal error' } });
    }
  });
  return created;
}

/** Answers upgrade requests of the server at once: those routed here by their handler, any other with 404. */
export function answerUpgrades(server: Server): void {
  router(server);
}

export function routeUpgrade(server: Server, route: Route): void {
  router(server).routes.push(route);
}

/** Ends every upgraded connection (streams), which would otherwise keep server.close() waiting. */
export function closeUpgrades(server: Server): void {
  const r = routers.get(server);
  if (!r) return;
  for (const route of r.routes) route.close?.();
  for (const socket of r.sockets) socket.destroy();
}
