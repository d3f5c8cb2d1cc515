import { randomBytes } from 'node:crypto';
import type { Language } from '../../knowledge/schema.js';
import { ClientQuota } from './client-quota.js';
import { clientNetwork } from './client-network.js';
import { Refusal } from '../../http/refusal.js';

/** An activity as Direct Line sends it: JSON with the id and timestamp the server gave it. */
export type WireActivity = Record<string, unknown> & { id: string; timestamp: string; type: string };

/** An activity kept for the transcript: as the JSON text it is sent as, and that text's size in bytes. */
export interface Kept {
  seq: number;
  json: string;
  bytes: number;
}

/** What the channel reads of a conversation, whichever store holds it. */
export interface DirectLineConversation {
  id: string;
  userId: string;
  /** The locale the client asked for when starting, for the conversation's language. */
  locale?: string;
  /** The language the assistant last answered in, for notices outside a turn. */
  lang?: Language;
  started: boolean;
  lastSeq: number;
  /** Timestamps strictly increase, so that clients ordering by time keep the order of the turns. */
  lastTimestamp: number;
}

/** A conversation as the in-memory store holds it, transcript and all. */
interface HeldConversation extends DirectLineConversation {
  activities: Kept[];
  /** The bytes of `activities`. */
  bytes: number;
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

/**
 * Where the Direct Line conversations and their transcripts are kept: in this process's memory (the
 * default), or in PostgreSQL so that every instance behind one address serves every conversation.
 */
export interface DirectLineStore {
  readonly frameBytes: number;
  /** A new conversation for a client, within its quotas; the longest idle are dropped when full. */
  open(clientAddress: string, userId: string): Promise<DirectLineConversation>;
  /** The conversation, if held and not idle past the limit (it is then dropped); any access counts as activity. */
  get(id: string): Promise<DirectLineConversation | undefined>;
  /** Marks the conversation started (with the locale asked for); true for the one call that started it. */
  markStarted(c: DirectLineConversation, locale?: string): Promise<boolean>;
  /** Refuses a new activity of about `bytes` when all transcripts together are at the budget. */
  assertRoom(bytes: number): Promise<void>;
  append(c: DirectLineConversation, activity: Omit<WireActivity, 'id' | 'timestamp'>): Promise<WireActivity>;
  /** Activities after a watermark, at most `frameBytes` of them (always at least one), as an activity set. */
  since(c: DirectLineConversation, watermark: number): Promise<Frame>;
  /** Calls `listener` after each activity appended to the conversation, until the returned function is called. */
  listen(id: string, listener: () => void): () => void;
  /** Drops idle conversations and forgets old per-client counts; returns the ids of the conversations dropped. */
  sweep(): Promise<string[]>;
  close(): Promise<void>;
}

export const tooManyOpen = (count: number) => new Refusal(429, 'TooManyRequests', { key: 'ui:directline.tooManyOpen', params: { count } }, { retryAfterSeconds: 60 });

export const budgetFull = () => new Refusal(503, 'ServiceUnavailable', { key: 'ui:directline.budgetFull' }, { retryAfterSeconds: 60 });

export const newConversationId = () => randomBytes(16).toString('base64url');

/** The activity as it is sent, with the id and timestamp of its place in the conversation. */
export function stamped(conversationId: string, seq: number, timestamp: number, activity: Omit<WireActivity, 'id' | 'timestamp'>): WireActivity {
  return { ...activity, id: `${conversationId}|${String(seq).padStart(7, '0')}`, timestamp: new Date(timestamp).toISOString() } as WireActivity;
}

/** The language a bot activity was said in: what notices outside a turn are said in. */
export function spokenIn(activity: WireActivity): Language | undefined {
  const from = activity.from as { role?: unknown } | undefined;
  return from?.role === 'bot' && (activity.locale === 'en' || activity.locale === 'zh-CN') ? activity.locale : undefined;
}

/** The activities of `kept` (in order) after a watermark, at most `frameBytes` of them (always at least one). */
export function frameOf(kept: Iterable<Kept>, watermark: number, lastSeq: number, frameBytes: number): Frame {
  const parts: string[] = [];
  // The set's own brackets and watermark count too.
  let bytes = ENVELOPE_BYTES;
  let last = watermark;
  let more = false;
  for (const a of kept) {
    if (a.seq <= watermark) continue;
    if (parts.length > 0 && bytes + a.bytes > frameBytes) {
      more = true;
      break;
    }
    parts.push(a.json);
    bytes += a.bytes + 1;
    last = a.seq;
  }
  const mark = parts.length > 0 ? last : Math.max(watermark, lastSeq);
  const tail = mark > 0 ? `,"watermark":"${mark}"` : '';
  return { json: `{"activities":[${parts.join(',')}]${tail}}`, count: parts.length, watermark: mark, more };
}

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
export class ConversationRegistry implements DirectLineStore {
  private readonly conversations = new Map<string, HeldConversation>();
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

  async open(clientAddress: string, userId: string): Promise<DirectLineConversation> {
    const now = this.now();
    const { address, network } = clientNetwork(clientAddress);
    // Idle conversations not yet swept would still count against their address.
    this.dropIdle(now);
    if ((this.perAddress.get(address) ?? 0) >= this.limits.perAddressOpen) throw tooManyOpen(this.limits.perAddressOpen);
    if ((this.perNetwork.get(network) ?? 0) >= this.limits.perNetworkOpen) throw tooManyOpen(this.limits.perNetworkOpen);
    this.quota.take(network, 'conversations');
    // A full registry makes room by dropping the conversations idle the longest, rather than turning new visitors away.
    for (const oldest of this.conversations.values()) {
      if (this.conversations.size < this.limits.total) break;
      this.drop(oldest);
    }
    const conversation: HeldConversation = {
      id: newConversationId(),
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

  async get(id: string): Promise<DirectLineConversation | undefined> {
    const c = this.conversations.get(id);
    if (!c) return undefined;
    if (this.now() - c.lastActive > this.limits.idleMs) {
      this.drop(c);
      return undefined;
    }
    this.touch(c);
    return c;
  }

  async markStarted(c: DirectLineConversation, locale?: string): Promise<boolean> {
    if (c.started) return false;
    c.started = true;
    if (locale !== undefined) c.locale = locale;
    return true;
  }

  async assertRoom(bytes: number): Promise<void> {
    if (this.heldBytes + bytes > this.limits.budgetBytes) throw budgetFull();
  }

  async append(conversation: DirectLineConversation, activity: Omit<WireActivity, 'id' | 'timestamp'>): Promise<WireActivity> {
    const c = conversation as HeldConversation;
    const seq = ++c.lastSeq;
    c.lastTimestamp = Math.max(this.now(), c.lastTimestamp + 1);
    const full = stamped(c.id, seq, c.lastTimestamp, activity);
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
    c.lang = spokenIn(full) ?? c.lang;
    if (held) this.touch(c);
    for (const listener of this.listeners.get(c.id) ?? []) listener();
    return full;
  }

  async since(c: DirectLineConversation, watermark: number): Promise<Frame> {
    return frameOf((c as HeldConversation).activities, watermark, c.lastSeq, this.limits.frameBytes);
  }

  listen(id: string, listener: () => void): () => void {
    return listenOn(this.listeners, id, listener);
  }

  async sweep(): Promise<string[]> {
    const dropped = this.dropIdle(this.now());
    this.quota.sweep();
    return dropped;
  }

  async close(): Promise<void> {}

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

  private touch(c: HeldConversation): void {
    c.lastActive = this.now();
    this.conversations.delete(c.id);
    this.conversations.set(c.id, c);
  }

  private drop(c: HeldConversation): void {
    if (this.conversations.get(c.id) !== c) return;
    this.conversations.delete(c.id);
    this.heldBytes -= c.bytes;
    bump(this.perAddress, c.address, -1);
    bump(this.perNetwork, c.network, -1);
    this.onDrop(c.id);
  }
}

/** Adds a listener to a conversation's set; the returned function removes it (and the set once empty). */
export function listenOn(listeners: Map<string, Set<() => void>>, id: string, listener: () => void): () => void {
  let set = listeners.get(id);
  if (!set) listeners.set(id, (set = new Set()));
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0 && listeners.get(id) === set) listeners.delete(id);
  };
}
