import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TurnResult } from '../conversation/conversation.js';

/** Channels known by name; anything else a client claims is counted as "other" to keep labels bounded. */
const CHANNELS = new Set(['emulator', 'msteams', 'webchat', 'directline', 'wechat', 'console', 'test']);

/** Prometheus metrics of the conversation and the HTTP server; no label ever carries user text. */
export class Metrics {
  readonly registry = new Registry();
  private readonly turns = new Counter({ name: 'ekey_turns_total', help: 'Conversation turns handled', labelNames: ['channel'], registers: [this.registry] });
  private readonly outcomes = new Counter({
    name: 'ekey_outcomes_total',
    help: 'Outcomes given, per rule and procedure',
    labelNames: ['rule', 'procedure'],
    registers: [this.registry],
  });
  private readonly notUnderstood = new Counter({
    name: 'ekey_not_understood_total',
    help: 'Messages that yielded no answer and no command',
    labelNames: ['channel'],
    registers: [this.registry],
  });
  private readonly questions = new Histogram({
    name: 'ekey_questions_per_consultation',
    help: 'Questions put before an outcome',
    buckets: [0, 1, 2, 3, 4, 5, 6, 8],
    registers: [this.registry],
  });
  private readonly turnSeconds = new Histogram({
    name: 'ekey_turn_duration_seconds',
    help: 'Time to handle one conversation turn, state load and save included',
    labelNames: ['channel'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  private readonly httpSeconds = new Histogram({
    name: 'ekey_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * The channel of a conversation key: its prefix ("wechat:<openid>"), or for Bot Framework
   * ("botframework:<channelId>:<conversation>") the channel the activity came through (msteams, webchat...).
   */
  static channelOf(key: string): string {
    const [first = '', second = ''] = key.split(':', 2);
    const name = first === 'botframework' ? second : first;
    return CHANNELS.has(name) ? name : 'other';
  }

  /** The labelled series of each channel, looked up once: prom-client checks and hashes the labels on every call otherwise. */
  private readonly byChannel = new Map<
    string,
    { turns: ReturnType<Metrics['turns']['labels']>; seconds: ReturnType<Metrics['turnSeconds']['labels']>; notUnderstood: ReturnType<Metrics['notUnderstood']['labels']> }
  >();

  private seriesOf(channel: string) {
    let series = this.byChannel.get(channel);
    if (!series) {
      series = { turns: this.turns.labels({ channel }), seconds: this.turnSeconds.labels({ channel }), notUnderstood: this.notUnderstood.labels({ channel }) };
      this.byChannel.set(channel, series);
    }
    return series;
  }

  observeTurn(key: string, result: TurnResult, seconds: number): void {
    const series = this.seriesOf(Metrics.channelOf(key));
    series.turns.inc();
    series.seconds.observe(seconds);
    for (const m of result.messages) {
      if (m.type === 'text' && m.role === 'error') series.notUnderstood.inc();
      if (m.type === 'outcome') {
        const procedures = m.outcome.procedures.map((p) => p.id);
        for (const procedure of procedures.length ? procedures : ['none']) this.outcomes.inc({ rule: m.outcome.rule, procedure });
        this.questions.observe(result.state.asked ?? 0);
      }
    }
  }

  /** The database pool's connections, read when /metrics is scraped. */
  watchPool(figures: () => { total: number; idle: number; waiting: number }): void {
    const gauge = (name: string, help: string, read: (f: ReturnType<typeof figures>) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read(figures()));
        },
      });
    gauge('ekey_db_pool_connections', 'Connections the database pool holds', (f) => f.total);
    gauge('ekey_db_pool_idle', 'Connections of the pool not in use', (f) => f.idle);
    gauge('ekey_db_pool_waiting', 'Queries waiting for a connection of the pool', (f) => f.waiting);
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    this.httpSeconds.observe({ method, route, status: String(status) }, seconds);
  }
}
