import { randomBytes } from 'node:crypto';
import type { Language } from '../../knowledge/schema.js';
import { ClientQuota } from './client-quota.js';
import { clientNetwork } from './client-network.js';
import { Refusal } from './http.js';

/** An activity as Direct Line sends it: JSON with the id and timestamp the server gave it. */
export type WireActivity = Record<string, unknown> & { id: string; timestamp: string; type: string };

/** An activity kept for the transcript: as the JSON text it is sent as, and that text's size in bytes. */
interface Kept {
  seq: number;
  json: string;
  bytes: number;
}

export interface DirectLineConversation {
  id: string;
  userId: string;
  /** The locale the client asked for when starting, for the conversation's language. */
  locale?: string;
  /** The language the assistant last answered in, for notices outside a turn. */
  lang?: Language;
  started: boolean;
  activities: Kept[];
  /** The bytes of `activities`. */
  bytes: number;
  lastSeq: number;
  /** Timestamps strictly increase, so that clients ordering by time keep the order of the turns. */
  lastTimestamp: number;
  lastActive: number;
  /** The client address and network that opened it, which its open conversations count against. */
  address: string;
  network: string;
}

export interface ConversationLimits {
  /** Conversations one client network (an IPv4 address, an IPv6 /64) may open per window. */
  perClient: number;
  clientWindowMs: number;
  /** Conversations open at once from one address, and from one network (IPv6 /64). */
  perAddressOpen: number;
  perNetworkOpen: number;
  /** Conversations held at once; past it the longest idle ones are dropped to make room. */
  total: number;
  /** A conversation silent for this long is dropped, transcript and all. */
  idleMs: number;
  /** Activities kept per conversation, and their bytes; older ones are dropped (watermarks stay valid). */
  activities: number;
  conversationBytes: number;
  /** The most one poll answer or stream frame carries; the rest comes with the next. */
  frameBytes: number;
  /** All transcripts together; past it new activities are refused. */
  budgetBytes: number;
}

/** Activities after a watermark, as the JSON of an activity set, and where the set ends. */
export interface Frame {
  json: string;
  count: number;
  /** The watermark after this frame: the last activity in it, or the latest when it is empty. */
  watermark: number;
  /** Whether activities after this frame remain. */
  more: boolean;
}

/** `{"activities":[],"watermark":"…"}` around the activities, with room for any watermark. */
const ENVELOPE_BYTES = 64;

type Counts = Map<string, number>;
const bump = (m: Counts, key: string, by: number) => {
  const n = (m.get(key) ?? 0) + by;
  if (n <= 0) m.delete(key);
  else m.set(key, n);
};

/**
 * The live Direct Line conversations, in memory: transcripts for polling and streaming clients, kept in
 * the order of their last activity (a Map re-inserted on each access), so the longest idle comes first.
 * The consultation's own state is in the conversation store; what a restart loses is the transcript shown.
 */
export class ConversationRegistry {
  private readonly conversations = new Map<string, DirectLineConversation>();
  private readonly quota: ClientQuota;
  private readonly perAddress: Counts = new Map();
  private readonly perNetwork: Counts = new Map();
  private readonly listeners = new Map<string, Set<() => void>>();
  private heldBytes = 0;

  constructor(
    private readonly limits: ConversationLimits,
    private readonly now: () => number = Date.now,
    /** Told of every conversation dropped (idle, evicted), to forget what else is kept of it. */
    private readonly onDrop: (id: string) => void = () => undefined,
  ) {
    this.quota = new ClientQuota(limits.perClient, limits.clientWindowMs, now);
  }

  get size(): number {
    return this.conversations.size;
  }

  /** The bytes of all transcripts. */
  get bytes(): number {
    return this.heldBytes;
  }

  get frameBytes(): number {
    return this.limits.frameBytes;
  }

  open(clientAddress: string, userId: string): DirectLineConversation {
    const now = this.now();
    const { address, network } = clientNetwork(clientAddress);
    // Idle conversations not yet swept would still count against their address.
    this.dropIdle(now);
    if ((this.perAddress.get(address) ?? 0) >= this.limits.perAddressOpen)
      throw new Refusal(429, 'TooManyRequests', `at most ${this.limits.perAddressOpen} conversations open at once from one address`, 60, {
        key: 'ui:directline.tooManyOpen',
        params: { count: this.limits.perAddressOpen },
      });
    if ((this.perNetwork.get(network) ?? 0) >= this.limits.perNetworkOpen)
      throw new Refusal(429, 'TooManyRequests', `at most ${this.limits.perNetworkOpen} conversations open at once from one network`, 60, {
        key: 'ui:directline.tooManyOpen',
        params: { count: this.limits.perNetworkOpen },
      });
    this.quota.take(network, 'conversations');
    // A full registry makes room by dropping the conversations idle the longest, rather than turning new visitors away.
    for (const oldest of this.conversations.values()) {
      if (this.conversations.size < this.limits.total) break;
      this.drop(oldest);
    }
    const conversation: DirectLineConversation = {
      id: randomBytes(16).toString('base64url'),
      userId,
      started: false,
      activities: [],
      bytes: 0,
      lastSeq: 0,
      lastTimestamp: 0,
      lastActive: now,
      address,
      network,
    };
    this.conversations.set(conversation.id, conversation);
    bump(this.perAddress, address, 1);
    bump(this.perNetwork, network, 1);
    return conversation;
  }

  /**
   * The conversation, if it is still held and not idle past the limit (it is then dropped, and its
   * answers with it); any access counts as activity.
   */
  get(id: string): DirectLineConversation | undefined {
    const c = this.conversations.get(id);
    if (!c) return undefined;
    if (this.now() - c.lastActive > this.limits.idleMs) {
      this.drop(c);
      return undefined;
    }
    this.touch(c);
    return c;
  }

  /** The conversation without counting as activity (a stream looking for what to send). */
  peek(id: string): DirectLineConversation | undefined {
    return this.conversations.get(id);
  }

  /** Refuses a new activity of about `bytes` when all transcripts together are at the budget. */
  assertRoom(bytes: number): void {
    if (this.heldBytes + bytes > this.limits.budgetBytes)
      throw new Refusal(503, 'ServiceUnavailable', 'the service holds as many conversations as it can; try again later', 60, { key: 'ui:directline.budgetFull' });
  }

  append(c: DirectLineConversation, activity: Omit<WireActivity, 'id' | 'timestamp'>): WireActivity {
    const seq = ++c.lastSeq;
    c.lastTimestamp = Math.max(this.now(), c.lastTimestamp + 1);
    const full = { ...activity, id: `${c.id}|${String(seq).padStart(7, '0')}`, timestamp: new Date(c.lastTimestamp).toISOString() } as WireActivity;
    const json = JSON.stringify(full);
    const bytes = Buffer.byteLength(json);
    // A turn may end after its conversation was dropped: its answers then count against nothing.
    const held = this.conversations.get(c.id) === c;
    const before = c.bytes;
    c.activities.push({ seq, json, bytes });
    c.bytes += bytes;
    // The newest is always kept, so a watermark never points past what can be sent.
    while (c.activities.length > 1 && (c.activities.length > this.limits.activities || c.bytes > this.limits.conversationBytes)) c.bytes -= (c.activities.shift() as Kept).bytes;
    if (held) this.heldBytes += c.bytes - before;
    const from = full.from as { role?: unknown } | undefined;
    if (from?.role === 'bot' && (full.locale === 'en' || full.locale === 'zh-CN')) c.lang = full.locale;
    if (held) this.touch(c);
    for (const listener of this.listeners.get(c.id) ?? []) listener();
    return full;
  }

  /** Activities after a watermark, at most `frameBytes` of them (always at least one), as an activity set. */
  since(c: DirectLineConversation, watermark: number): Frame {
    const parts: string[] = [];
    // The set's own brackets and watermark count too.
    let bytes = ENVELOPE_BYTES;
    let last = watermark;
    let more = false;
    for (const a of c.activities) {
      if (a.seq <= watermark) continue;
      if (parts.length > 0 && bytes + a.bytes > this.limits.frameBytes) {
        more = true;
        break;
      }
      parts.push(a.json);
      bytes += a.bytes + 1;
      last = a.seq;
    }
    const mark = parts.length > 0 ? last : Math.max(watermark, c.lastSeq);
    const tail = mark > 0 ? `,"watermark":"${mark}"` : '';
    return { json: `{"activities":[${parts.join(',')}]${tail}}`, count: parts.length, watermark: mark, more };
  }

  /** Calls `listener` after each activity appended to the conversation, until the returned function is called. */
  listen(id: string, listener: () => void): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(id) === set) this.listeners.delete(id);
    };
  }

  /** Drops idle conversations and forgets old per-client counts; returns the ids of the conversations dropped. */
  sweep(): string[] {
    const dropped = this.dropIdle(this.now());
    this.quota.sweep();
    return dropped;
  }

  private dropIdle(now: number): string[] {
    const dropped: string[] = [];
    // In order of last activity: the first one still active ends the sweep.
    for (const c of this.conversations.values()) {
      if (now - c.lastActive <= this.limits.idleMs) break;
      this.drop(c);
      dropped.push(c.id);
    }
    return dropped;
  }

  private touch(c: DirectLineConversation): void {
    c.lastActive = this.now();
    this.conversations.delete(c.id);
    this.conversations.set(c.id, c);
  }

  private drop(c: DirectLineConversation): void {
    if (this.conversations.get(c.id) !== c) return;
    this.conversations.delete(c.id);
    this.heldBytes -= c.bytes;
    bump(this.perAddress, c.address, -1);
    bump(this.perNetwork, c.network, -1);
    this.onDrop(c.id);
  }
}
