import type { Target } from '../cases/notify-target.js';

export { Target } from '../cases/notify-target.js';

/** One queue per user: notices for the same person keep their order, whatever case they are about. */
export function recipientOf(t: Target): string {
  switch (t.kind) {
    case 'wechat':
      return `wechat:${t.openid}`;
    case 'botframework':
      return `botframework:${t.serviceUrl}|${t.conversationId}`;
    case 'directline':
      return `directline-user:${t.userId}`;
  }
}

/** A WeChat conversation is keyed by its openid, so its target is in the key itself. */
export function targetFromKey(key: string): Target | undefined {
  const m = /^wechat:(.+)$/.exec(key);
  return m?.[1] ? { kind: 'wechat', openid: m[1] } : undefined;
}

const KEPT = 10_000;

/** A target as a channel says it, checked only when a case asks for it: most turns open no case. */
export type SaidTarget = Target | (() => Target | undefined);

/**
 * The last target seen for each conversation key, told by the channels on every turn, so that a case
 * opened in that conversation can record where to send its notices. Bounded: the oldest are forgotten.
 */
export class TargetBook {
  private readonly byKey = new Map<string, SaidTarget>();

  seen(key: string, target: SaidTarget): void {
    this.byKey.delete(key);
    this.byKey.set(key, target);
    if (this.byKey.size > KEPT) this.byKey.delete(this.byKey.keys().next().value as string);
  }

  of(key: string | undefined): Target | undefined {
    if (!key) return undefined;
    let said = this.byKey.get(key);
    if (typeof said === 'function') {
      said = said();
      if (said) this.byKey.set(key, said);
      else this.byKey.delete(key);
    }
    return said ?? targetFromKey(key);
  }
}
