import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { refuseUpgrade, routeUpgrade } from '../../http/upgrades.js';
import type { DirectLineConversation, DirectLineStore } from './conversations.js';
import type { TokenSigner } from './token.js';
import { parseLanguage, type Translate } from '../../i18n.js';
import type { Language } from '../../knowledge/schema.js';

export interface StreamOptions {
  /** How long a stream URL can be used to connect; a reconnecting client asks for a fresh one. */
  urlTtlSeconds: number;
  /** An empty frame this often, so that proxies keep the connection and dead peers are noticed. */
  keepAliveMs: number;
  /** A client that leaves this much unread is cut off; it reconnects from its watermark. */
  maxBufferedBytes: number;
  /** Streams open at once per conversation; a new one closes the oldest past it (a reloaded page's). */
  perConversation: number;
}

const PATH = /^\/v3\/directline\/conversations\/([^/]+)\/stream$/;

/** The watermark of a stream URL: as the server gave it, or none. */
function watermarkParam(raw: string | null): number | undefined {
  if (raw === null || raw === '') return 0;
  const n = Number(raw);
  return /^\d+$/.test(raw) && Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The conversation's stream, as Azure Direct Line's `streamUrl`: a WebSocket on the same host that sends
 * activity sets `{activities, watermark}` (each at most the registry's frame size), from the watermark in
 * the URL on, and an empty frame as keep-alive. The URL carries its own short-lived token (`t`), signed
 * like the conversation's but good only for connecting here; what the client sends is not read.
 */
export class DirectLineStreams {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false, clientTracking: false });
  private readonly open = new Map<string, Set<WebSocket>>();

  constructor(
    server: Server,
    private readonly registry: DirectLineStore,
    private readonly signer: TokenSigner,
    private readonly options: StreamOptions,
    /** The words of locales/ in a language: an upgrade refused says why in the language of its request. */
    private readonly translate: (lang: Language) => Translate,
  ) {
    routeUpgrade(server, { matches: (path) => PATH.test(path), handle: (req, socket, head) => this.upgrade(req, socket, head), close: () => this.closeAll() });
  }

  /** The stream URL for a client that reached this server at `base` (http or https), from a watermark. */
  url(base: string | undefined, c: DirectLineConversation, user: string, watermark?: number): string | undefined {
    if (!base) return undefined;
    const ws = base.replace(/^http(s?):/i, 'ws$1:');
    const mark = watermark !== undefined && watermark > 0 ? `watermark=${watermark}&` : '';
    return `${ws}/v3/directline/conversations/${encodeURIComponent(c.id)}/stream?${mark}t=${this.signer.signStream(c.id, user, this.options.urlTtlSeconds)}`;
  }

  /** Ends the streams of a conversation that was dropped (here or by another instance): the client then finds it ended. */
  end(id: string): void {
    for (const ws of this.open.get(id) ?? []) ws.close(1000, 'conversation ended');
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://stream.invalid');
    const t = this.translate(parseLanguage(url.searchParams.get('lang') ?? req.headers['accept-language']) ?? 'zh-CN');
    const refuse = (status: number, text: string, code: string, key: string) => refuseUpgrade(socket, status, text, { error: { code, message: t(key) } });
    this.accept(req, socket, head, url, refuse).catch(() => refuse(503, 'Service Unavailable', 'ServiceUnavailable', 'ui:refusals.directline.streamUnreadable'));
  }

  private async accept(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, refuse: (status: number, text: string, code: string, key: string) => void): Promise<void> {
    let id: string;
    try {
      id = decodeURIComponent((PATH.exec(url.pathname) as RegExpExecArray)[1] as string);
    } catch {
      refuse(404, 'Not Found', 'NotFound', 'ui:refusals.directline.conversationGone');
      return;
    }
    const checked = this.signer.verify(url.searchParams.get('t') ?? '', 'stream');
    if (!checked.ok) {
      if (checked.reason === 'expired') refuse(403, 'Forbidden', 'TokenExpired', 'ui:refusals.directline.streamExpired');
      else refuse(403, 'Forbidden', 'Forbidden', 'ui:refusals.directline.streamInvalid');
      return;
    }
    if (checked.claims.conv !== id) {
      refuse(403, 'Forbidden', 'Forbidden', 'ui:refusals.directline.streamOtherConversation');
      return;
    }
    const watermark = watermarkParam(url.searchParams.get('watermark'));
    if (watermark === undefined) {
      refuse(400, 'Bad Request', 'BadArgument', 'ui:refusals.directline.badWatermark');
      return;
    }
    const c = await this.registry.get(id);
    if (!c) {
      refuse(404, 'Not Found', 'NotFound', 'ui:refusals.directline.conversationGone');
      return;
    }
    // The client may have gone, or the upgrades been cut, while the conversation was read.
    if (socket.destroyed) return;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, c, watermark));
  }

  private attach(ws: WebSocket, c: DirectLineConversation, watermark: number): void {
    let cursor = watermark;
    let alive = true;
    // One read at a time: a wake during a read is remembered and read after it, never lost nor doubled.
    let reading = false;
    let again = false;
    const drain = async () => {
      while (ws.readyState === WebSocket.OPEN) {
        if (ws.bufferedAmount > this.options.maxBufferedBytes) {
          ws.terminate();
          return;
        }
        const frame = await this.registry.since(c, cursor);
        if (frame.count === 0 || ws.readyState !== WebSocket.OPEN) return;
        ws.send(frame.json);
        cursor = frame.watermark;
        if (!frame.more) return;
      }
    };
    const flush = () => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      again = false;
      drain()
        // A failed read is retried by the next wake or keep-alive; the client keeps its place.
        .catch(() => undefined)
        .finally(() => {
          reading = false;
          if (again) flush();
        });
    };
    const stop = this.registry.listen(c.id, flush);
    const keepAlive = setInterval(() => {
      if (!alive) {
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
      ws.send('');
      // A wake lost while the database's listening connection was down is caught up here.
      flush();
    }, this.options.keepAliveMs);
    keepAlive.unref();
    ws.on('pong', () => (alive = true));
    ws.on('message', () => (alive = true));
    ws.on('error', () => ws.terminate());

    let set = this.open.get(c.id);
    if (!set) this.open.set(c.id, (set = new Set()));
    const streams = set;
    streams.add(ws);
    for (const old of streams) {
      if (streams.size <= this.options.perConversation) break;
      streams.delete(old);
      old.close(1000, 'replaced by a newer stream');
    }
    ws.once('close', () => {
      clearInterval(keepAlive);
      stop();
      streams.delete(ws);
      if (streams.size === 0 && this.open.get(c.id) === streams) this.open.delete(c.id);
    });
    flush();
  }

  private closeAll(): void {
    for (const set of this.open.values()) for (const ws of set) ws.terminate();
    this.open.clear();
  }
}
