import { randomBytes } from 'node:crypto';
import { ClientQuota } from './client-quota.js';
import { Refusal } from './http.js';

/** An activity as Direct Line sends it: JSON with the id and timestamp the server gave it. */
export type WireActivity = Record<string, unknown> & { id: string; timestamp: string; type: string };

export interface DirectLineConversation {
  id: string;
  userId: string;
  /** The locale the client asked for when starting, for the conversation's language. */
  locale?: string;
  started: boolean;
  activities: { seq: number; activity: WireActivity }[];
  lastSeq: number;
  /** Timestamps strictly increase, so that clients ordering by time keep the order of the turns. */
  lastTimestamp: number;
  lastActive: number;
}

export interface ConversationLimits {
  /** Conversations one client (address) may open per window. */
  perClient: number;
  clientWindowMs: number;
  /** Conversations held at once; past it new ones are refused until idle ones are dropped. */
  total: number;
  /** A conversation silent for this long is dropped, transcript and all. */
  idleMs: number;
  /** Activities kept per conversation; older ones are dropped (watermarks stay valid). */
  activities: number;
}

/**
 * The live Direct Line conversations, in memory: transcripts for polling clients. The consultation's
 * own state is in the conversation store; what is lost with a restart is only the transcript shown.
 */
export class ConversationRegistry {
  private readonly conversations = new Map<string, DirectLineConversation>();
  private readonly quota: ClientQuota;

  constructor(private readonly limits: ConversationLimits, private readonly now: () => number = Date.now) {
    this.quota = new ClientQuota(limits.perClient, limits.clientWindowMs, now);
  }

  get size(): number {
    return this.conversations.size;
  }

  open(client: string, userId: string): DirectLineConversation {
    const now = this.now();
    if (this.conversations.size >= this.limits.total) throw new Refusal(503, 'ServiceUnavailable', 'too many conversations at once; try again later', 60);
    this.quota.take(client, 'conversations');
    const conversation: DirectLineConversation = {
      id: randomBytes(16).toString('base64url'),
      userId,
      started: false,
      activities: [],
      lastSeq: 0,
      lastTimestamp: 0,
      lastActive: now,
    };
    this.conversations.set(conversation.id, conversation);
    return conversation;
  }

  /**
   * The conversation, if it is still held and not idle past the limit (the sweep removes it, and its
   * answers with it); any access counts as activity.
   */
  get(id: string): DirectLineConversation | undefined {
    const c = this.conversations.get(id);
    if (!c || this.now() - c.lastActive > this.limits.idleMs) return undefined;
    c.lastActive = this.now();
    return c;
  }

  append(c: DirectLineConversation, activity: Omit<WireActivity, 'id' | 'timestamp'>): WireActivity {
    const seq = ++c.lastSeq;
    c.lastTimestamp = Math.max(this.now(), c.lastTimestamp + 1);
    const full = { ...activity, id: `${c.id}|${String(seq).padStart(7, '0')}`, timestamp: new Date(c.lastTimestamp).toISOString() } as WireActivity;
    c.activities.push({ seq, activity: full });
    if (c.activities.length > this.limits.activities) c.activities.splice(0, c.activities.length - this.limits.activities);
    c.lastActive = this.now();
    return full;
  }

  /** Activities after a watermark, and the watermark to ask from next time. */
  since(c: DirectLineConversation, watermark: number): { activities: WireActivity[]; watermark?: string } {
    const activities = c.activities.filter((a) => a.seq > watermark).map((a) => a.activity);
    return { activities, ...(c.lastSeq > 0 ? { watermark: String(c.lastSeq) } : {}) };
  }

  /** Drops idle conversations and forgets old per-client counts; returns the ids of the conversations dropped. */
  sweep(): string[] {
    const now = this.now();
    const dropped: string[] = [];
    for (const [id, c] of this.conversations)
      if (now - c.lastActive > this.limits.idleMs) {
        this.conversations.delete(id);
        dropped.push(id);
      }
    this.quota.sweep();
    return dropped;
  }
}
