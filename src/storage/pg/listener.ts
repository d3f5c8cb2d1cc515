import pg from 'pg';

export interface ListenerOptions {
  /** Waits before reconnecting after the connection was lost, growing to the last. */
  retryDelaysMs?: number[];
  log?: (level: 'info' | 'error', message: string) => void;
}

const RETRY_DELAYS_MS = [200, 1_000, 5_000];

/**
 * One connection of its own that LISTENs on a channel and hands each NOTIFY payload on, reconnecting
 * after the connection is lost (a pooled connection cannot listen: it goes back to the pool). After a
 * reconnect `onReconnect` is called, since whatever was notified meanwhile was missed.
 */
export class PgListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly ready: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onNotify: (payload: string) => void,
    private readonly onReconnect: () => void = () => undefined,
    private readonly options: ListenerOptions = {},
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
    this.ready = this.connect(false);
  }

  /** Resolves once the first connection listens (or has failed and is being retried). */
  listening(): Promise<void> {
    return this.ready;
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(reconnecting: boolean): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url });
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.options.log?.('error', `database listening connection lost${err ? `: ${err.message}` : ''}; reconnecting`);
      this.retry();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (n) => {
      if (n.channel === this.channel && n.payload !== undefined) this.onNotify(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (err) {
      onLost(err as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.failures = 0;
    if (reconnecting) this.onReconnect();
  }

  private retry(): void {
    const delays = this.options.retryDelaysMs ?? RETRY_DELAYS_MS;
    const delay = delays[Math.min(this.failures, delays.length - 1)] ?? 1_000;
    this.failures++;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(true), delay);
    this.timer.unref();
  }
}
