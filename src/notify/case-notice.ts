import type { CaseRecord } from '../cases/case-schema.js';
import { lifecycleText } from '../cases/lifecycle.js';
import type { CaseService } from '../cases/service.js';
import type { Message } from '../conversation/messages.js';
import type { Translate } from '../i18n.js';
import type { Language } from '../knowledge/schema.js';
import type { Notice } from './outbox-store.js';
import type { NoticeQueue } from './outbox-spool.js';

/**
 * What the enterprise is told when its case moves: the reference, the new status in its procedure's
 * words, the remark, what to submit again and the next step, in the language of the case's conversation.
 */
export function caseNotice(cases: CaseService, t: (lang: Language) => Translate, c: CaseRecord): Notice {
  const say = t(c.lang);
  const last = c.history.at(-1);
  const sep = say('ui:status.listSeparator');
  const status = lifecycleText(cases.knowledge, say, c, 'statuses', c.status);
  const next = lifecycleText(cases.knowledge, say, c, 'next', c.status, { date: cases.running(c)?.end ?? '' });
  const lines = [say('ui:status.current', { status, date: last?.on ?? '' })];
  if (last?.remark) lines.push(say('ui:status.remark', { remark: last.remark }));
  if (last?.resubmit?.length) lines.push(say('ui:status.resubmit', { materials: last.resubmit.map((m) => say(`materials:${m}`)).join(sep) }));
  lines.push(say('ui:status.next', { next }));
  return {
    kind: 'case',
    lang: c.lang,
    title: say('ui:notify.caseMoved', { reference: c.reference }),
    lines,
    fields: { reference: c.reference, status, date: last?.on ?? '', remark: last?.remark ?? '', next },
  };
}

/** The id of the notice of one move: the same move is never told twice, even if it is reported again. */
export function caseNoticeId(c: CaseRecord): string {
  return `case:${c.reference}:${c.history.length}`;
}

/** A notice as the channel-neutral message each channel renders with its own renderer. */
export function noticeMessages(n: Notice): Message[] {
  return [{ type: 'text', role: 'notice', text: [n.title, ...n.lines].join('\n') }];
}

/**
 * Every move of a case that knows where its enterprise is goes to `queue` as its notice, before the move
 * is answered, so that no move is told by nobody: the service's outbox, or the spool of a process beside
 * it (the case CLI). A notice that cannot be stored goes to `failed` and does not undo the move.
 */
export function tellMoves(cases: CaseService, queue: NoticeQueue, t: (lang: Language) => Translate, failed: (err: Error, moved: CaseRecord) => void): void {
  cases.onTransition(async (moved) => {
    if (!moved.notify) return;
    try {
      await queue.enqueue(caseNoticeId(moved), moved.notify, caseNotice(cases, t, moved));
    } catch (err) {
      failed(err as Error, moved);
    }
  });
}
