import { createHash } from 'node:crypto';
import type { Database } from '../../storage/pg/database.js';
import { PgListener } from '../../storage/pg/listener.js';
import type { Language } from '../../knowledge/schema.js';
import { ClientQuota } from './client-quota.js';
import { clientNetwork } from './client-network.js';
import {
  budgetFull,
  type ConversationLimits,
  type DirectLineConversation,
  type DirectLineStore,
  type Frame,
  frameOf,
  listenOn,
  newConversationId,
  spokenIn,
  stamped,
  tooManyOpen,
  type WireActivity,
} from './conversations.js';

/** The NOTIFY channel: the payload is a conversation id (an activity was added) or `end:` and the id (dropped). */
const CHANNEL = 'directline';

interface Row {
  id: string;
  user_id: string;
  locale: string | null;
  lang: string | null;
  started: boolean;
  last_seq: number;
  last_timestamp: string;
  last_active: string;
}

const COLUMNS = 'id, user_id, locale, lang, started, last_seq, last_timestamp, last_active';

/** Client addresses are only counted: kept as digests, never as they are. */
const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

function conversationOf(row: Row): DirectLineConversation {
  return {
    id: row.id,
    userId: row.user_id,
    ...(row.locale !== null ? { locale: row.locale } : {}),
    ...(row.lang === 'en' || row.lang === 'zh-CN' ? { lang: row.lang as Language } : {}),
    started: row.started,
    lastSeq: row.last_seq,
    lastTimestamp: Number(row.last_timestamp),
  };
}

/**
 * Direct Line conversations in PostgreSQL (migrations/0003), for several instances behind one address: a
 * conversation opened on one is polled, streamed and posted to on any other. Each activity is a row with
 * its watermark as seq, numbered under the conversation row's lock; after it is written a NOTIFY wakes the
 * streams of every instance, each of which LISTENs on a connection of its own. The limits are those of
 * the in-memory store; the per-client window of new conversations stays per instance.
 */
export class PgDirectLineStore implements DirectLineStore {
  private readonly quota: ClientQuota;
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly listener: PgListener;

  constructor(
    private readonly db: Database,
    private readonly limits: ConversationLimits,
    private readonly now: () => number = Date.now,
    /** Told of every conversation dropped, by this instance (`here`) or another, to end its streams. */
    private readonly onDrop: (id: string, here: boolean) => void = () => undefined,
    log?: (level: 'info' | 'error', message: string) => void,
  ) {
    this.quota = new ClientQuota(limits.perClient, limits.clientWindowMs, now);
    this.listener = new PgListener(
      db.pool.options.connectionString as string,
      CHANNEL,
      (payload) => (payload.startsWith('end:') ? this.onDrop(payload.slice(4), false) : this.wake(payload)),
      () => {
        for (const id of this.listeners.keys()) this.wake(id);
      },
      log ? { log } : {},
    );
  }

  get frameBytes(): number {
    return this.limits.frameBytes;
  }

  /** Resolves once this instance listens for the others' activities. */
  listening(): Promise<void> {
    return this.listener.listening();
  }

  async open(clientAddress: string, userId: string): Promise<DirectLineConversation> {
    const now = this.now();
    const { address, network } = clientNetwork(clientAddress);
    const [a, n] = [digest(address), digest(network)];
    const { rows } = await this.db.query<{ by_address: number; by_network: number; total: number }>(
      `SELECT count(*) FILTER (WHERE address = $1 AND last_active >= $3)::int AS by_address,
              count(*) FILTER (WHERE network = $2 AND last_active >= $3)::int AS by_network,
              count(*)::int AS total
         FROM directline_conversations`,
      [a, n, now - this.limits.idleMs],
    );
    const counts = rows[0] ?? { by_address: 0, by_network: 0, total: 0 };
    if (counts.by_address >= this.limits.perAddressOpen) throw tooManyOpen(this.limits.perAddressOpen);
    if (counts.by_network >= this.limits.perNetworkOpen) throw tooManyOpen(this.limits.perNetworkOpen);
    this.quota.take(network, 'conversations');
    // Full: the conversations idle the longest make room, rather than new visitors being turned away.
    if (counts.total >= this.limits.total) await this.drop(`SELECT id FROM directline_conversations ORDER BY last_active LIMIT $1`, [counts.total - this.limits.total + 1]);
    const { rows: created } = await this.db.query<Row>(
      `INSERT INTO directline_conversations (id, user_id, last_active, address, network) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [newConversationId(), userId, now, a, n],
    );
    return conversationOf(created[0] as Row);
  }

  async get(id: string): Promise<DirectLineConversation | undefined> {
    const now = this.now();
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM directline_conversations WHERE id = $1`, [id]);
    const row = rows[0];
    if (!row) return undefined;
    const lastActive = Number(row.last_active);
    if (now - lastActive > this.limits.idleMs) {
      await this.drop(`SELECT id FROM directline_conversations WHERE id = $1 AND last_active < $2`, [id, now - this.limits.idleMs]);
      return undefined;
    }
    // Every poll counts as activity; the row is written only when that moves the time noticeably.
    if (now - lastActive >= Math.min(1_000, this.limits.idleMs / 10))
      await this.db.query('UPDATE directline_conversations SET last_active = greatest(last_active, $2) WHERE id = $1', [id, now]);
    return conversationOf(row);
  }

  async markStarted(c: DirectLineConversation, locale?: string): Promise<boolean> {
    if (c.started) return false;
    const { rows } = await this.db.query<{ locale: string | null }>(
      'UPDATE directline_conversations SET started = true, locale = coalesce($2, locale) WHERE id = $1 AND NOT started RETURNING locale',
      [c.id, locale ?? null],
    );
    c.started = true;
    const first = rows[0];
    if (first?.locale) c.locale = first.locale;
    return first !== undefined;
  }

  async assertRoom(bytes: number): Promise<void> {
    const { rows } = await this.db.query<{ held: string }>('SELECT coalesce(sum(bytes), 0)::bigint AS held FROM directline_conversations');
    if (Number(rows[0]?.held ?? 0) + bytes > this.limits.budgetBytes) throw budgetFull();
  }

  async append(c: DirectLineConversation, activity: Omit<WireActivity, 'id' | 'timestamp'>): Promise<WireActivity> {
    const now = this.now();
    const lang = spokenIn(activity as WireActivity) ?? null;
    const full = await this.db.transaction(async (client) => {
      // The row lock taken here numbers the activities of one conversation in order across instances.
      const { rows } = await client.query<{ last_seq: number; last_timestamp: string }>(
        `UPDATE directline_conversations
            SET last_seq = last_seq + 1, last_timestamp = greatest($2::bigint, last_timestamp + 1), last_active = greatest(last_active, $2::bigint), lang = coalesce($3, lang)
          WHERE id = $1 RETURNING last_seq, last_timestamp`,
        [c.id, now, lang],
      );
      const row = rows[0];
      // A turn may end after its conversation was dropped: its answers are then sent to nobody and kept nowhere.
      if (!row) return stamped(c.id, c.lastSeq + 1, Math.max(now, c.lastTimestamp + 1), activity);
      const stampedActivity = stamped(c.id, row.last_seq, Number(row.last_timestamp), activity);
      const json = JSON.stringify(stampedActivity);
      const bytes = Buffer.byteLength(json);
      await client.query('INSERT INTO directline_activities (conversation_id, seq, json, bytes) VALUES ($1, $2, $3, $4)', [c.id, row.last_seq, json, bytes]);
      // The newest is always kept, so a watermark never points past what can be sent.
      await client.query(
        `WITH ranked AS (
           SELECT seq, row_number() OVER (ORDER BY seq DESC) AS n, sum(bytes) OVER (ORDER BY seq DESC) AS tail
             FROM directline_activities WHERE conversation_id = $1
         ), gone AS (
           DELETE FROM directline_activities a USING ranked r
            WHERE a.conversation_id = $1 AND a.seq = r.seq AND r.n > 1 AND (r.n > $2 OR r.tail > $3)
           RETURNING a.bytes
         )
         UPDATE directline_conversations SET bytes = bytes + $4 - (SELECT coalesce(sum(bytes), 0) FROM gone)::int WHERE id = $1`,
        [c.id, this.limits.activities, this.limits.conversationBytes, bytes],
      );
      // Sent when the transaction commits, to every instance listening (this one too).
      await client.query('SELECT pg_notify($1, $2)', [CHANNEL, c.id]);
      return stampedActivity;
    });
    c.lastSeq = Number(full.id.slice(full.id.lastIndexOf('|') + 1));
    c.lastTimestamp = Date.parse(full.timestamp);
    if (lang) c.lang = lang;
    // Without waiting for the notification's round trip; a second wake finds nothing new.
    this.wake(c.id);
    return full;
  }

  async since(c: DirectLineConversation, watermark: number): Promise<Frame> {
    // Only the rows that can fit in one frame (and the first past it, to know that more remain) are read.
    const { rows } = await this.db.query<{ last_seq: number; seq: number | null; json: string | null; bytes: number | null }>(
      `SELECT c.last_seq, a.seq, a.json, a.bytes
         FROM directline_conversations c
         LEFT JOIN LATERAL (
           SELECT seq, json, bytes, sum(bytes + 1) OVER (ORDER BY seq) AS run, row_number() OVER (ORDER BY seq) AS n
             FROM directline_activities WHERE conversation_id = c.id AND seq > $2
         ) a ON a.n = 1 OR a.run - a.bytes - 1 < $3
        WHERE c.id = $1
        ORDER BY a.seq`,
      [c.id, watermark, this.limits.frameBytes],
    );
    const kept = rows.filter((r) => r.seq !== null).map((r) => ({ seq: r.seq as number, json: r.json as string, bytes: r.bytes as number }));
    return frameOf(kept, watermark, rows[0]?.last_seq ?? c.lastSeq, this.limits.frameBytes);
  }

  listen(id: string, listener: () => void): () => void {
    return listenOn(this.listeners, id, listener);
  }

  async sweep(): Promise<string[]> {
    this.quota.sweep();
    return this.drop('SELECT id FROM directline_conversations WHERE last_active < $1', [this.now() - this.limits.idleMs]);
  }

  /** Stops listening; the database is the application's to close. */
  async close(): Promise<void> {
    await this.listener.close();
  }

  /** Deletes the conversations `select` picks, transcripts and all, and tells every instance. */
  private async drop(select: string, values: unknown[]): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `WITH gone AS (DELETE FROM directline_conversations WHERE id IN (${select}) RETURNING id)
       SELECT id, pg_notify('${CHANNEL}', 'end:' || id) FROM gone`,
      values,
    );
    for (const { id } of rows) this.onDrop(id, true);
    return rows.map((r) => r.id);
  }

  private wake(id: string): void {
    for (const listener of this.listeners.get(id) ?? []) listener();
  }
}
