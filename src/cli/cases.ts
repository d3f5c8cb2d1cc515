import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createI18n, type Translate, translator } from '../i18n.js';
import { loadKnowledge } from '../knowledge/load.js';
import { agentView, caseSummary } from '../cases/agent-view.js';
import type { CaseRecord } from '../cases/case-schema.js';
import { inert } from '../cases/contact.js';
import { CaseInputError, CaseNotFoundError, TransitionError } from '../cases/errors.js';
import { CliExit, runCli } from './run.js';
import { FileCaseStore } from '../cases/file-store.js';
import { PgCaseStore } from '../cases/pg-store.js';
import { Database } from '../storage/pg/database.js';
import { lifecycleText } from '../cases/lifecycle.js';
import { parseReference, referenceDate } from '../cases/reference.js';
import { CallbackBody, ListQuery, toCaseQuery, TransitionBody } from '../cases/requests.js';
import { CaseService } from '../cases/service.js';
import { filterIds, filterWordMessage, FilterWordError } from '../cases/filter-words.js';
import { beijingDateTime } from '../dates/beijing.js';
import { tellMoves } from '../notify/case-notice.js';
import { OutboxSpool } from '../notify/outbox-spool.js';

/**
 * `npm run cases -- list|show|advance|callback-done ...`: the agent API for a terminal, on the same
 * files as the running service (the store's lock file keeps the two from losing each other's writes),
 * or on its PostgreSQL database when DATABASE_URL is set.
 */
/** Set once the reader of standard output went away (`… | head -1`): nothing more is written, and the command still closes the store. */
let readerGone = false;
const out = (line = ''): void => {
  if (!readerGone) process.stdout.write(`${line}\n`);
};
const fail = (line: string, code = 1): never => {
  process.stderr.write(`${line}\n`);
  throw new CliExit(code);
};

const titles = (ids: readonly string[], t: Translate): string => ids.map((id) => t(`procedures:${id}.title`)).join(t('ui:status.listSeparator')) || t('ui:status.noProcedure');

function describe(cases: CaseService, c: CaseRecord, t: Translate): void {
  const label = (status: string) => lifecycleText(cases.knowledge, t, c, 'statuses', status);
  out(t('ui:casesCli.reference', { reference: c.reference }));
  out(t('ui:casesCli.created', { at: beijingDateTime(c.createdAt), channel: c.channel, lang: c.lang }));
  out(t('ui:casesCli.procedures', { titles: titles(c.procedures, t) }));
  out(
    t('ui:casesCli.why', {
      answers: c.why
        .map((w) => t('ui:outcome.answer', { label: t(`questions:${w.question}.label`), answer: t(`questions:${w.question}.options.${w.answer}`) }))
        .join(t('ui:outcome.separator')),
    }),
  );
  out(t('ui:casesCli.status', { status: label(c.status), id: c.status }));
  const allowed = cases.allowed(c);
  out(allowed.length ? t('ui:casesCli.allowed', { statuses: allowed.map((s) => `${s} (${label(s)})`).join(t('ui:outcome.separator')) }) : t('ui:casesCli.allowedNone'));
  if (c.contact?.enterpriseName) out(t('ui:casesCli.enterpriseName', { name: inert(c.contact.enterpriseName) }));
  if (c.contact?.creditCode) out(t(c.contact.creditCodeCheckFailed ? 'ui:casesCli.creditCodeUnchecked' : 'ui:casesCli.creditCode', { code: c.contact.creditCode }));
  if (c.contact?.mobile) out(t('ui:casesCli.mobile', { mobile: c.contact.mobile }));
  if (c.callback)
    out(
      c.callback.doneAt
        ? t('ui:casesCli.callbackDone', { at: beijingDateTime(c.callback.doneAt), agent: c.callback.doneBy ?? '' })
        : t('ui:casesCli.callbackPending', { at: beijingDateTime(c.callback.requestedAt) }),
    );
  for (const e of c.expected)
    out(t('ui:casesCli.expected', { label: t(`procedures:${c.tracked}.stages.${e.stage}`), start: e.start, end: e.end, days: t('common:workingDays', { count: e.workingDays }) }));
  out(t('ui:casesCli.history'));
  for (const h of c.history) {
    out(`  ${t('ui:casesCli.historyItem', { on: h.on, status: label(h.status), agent: inert(h.agent ?? '-') })}`);
    if (h.changedFrom) out(`    ${t('ui:casesCli.historyChanged', { procedures: titles(h.changedFrom, t) })}`);
    for (const a of h.changedAnswers ?? []) {
      const answer = (id: string | undefined) => (id ? t(`questions:${a.question}.options.${id}`) : t('ui:casesCli.notAsked'));
      out(`      ${t('ui:casesCli.historyAnswer', { question: t(`questions:${a.question}.label`), from: answer(a.from), to: answer(a.to) })}`);
    }
    if (h.remark) out(`    ${t('ui:status.remark', { remark: inert(h.remark) })}`);
    if (h.resubmit?.length) out(`    ${t('ui:status.resubmit', { materials: h.resubmit.map((m) => t(`materials:${m}`)).join(t('ui:status.listSeparator')) })}`);
  }
}

/** `… | head -1`: the reader went away, and there is nobody left to tell: no stack, status 0. */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && !readerGone) throw err;
      readerGone = true;
    });
}

async function main(): Promise<void> {
  quietOnClosedPipe();
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    strict: true,
    options: {
      status: { type: 'string' },
      procedure: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      text: { type: 'string' },
      callback: { type: 'boolean' },
      page: { type: 'string' },
      'page-size': { type: 'string' },
      agent: { type: 'string' },
      remark: { type: 'string' },
      resubmit: { type: 'string' },
      json: { type: 'boolean' },
      lang: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const k = loadKnowledge();
  const i18n = createI18n(k);
  const t = translator(i18n, values.lang === 'en' ? 'en' : 'zh-CN');
  const name = (kind: 'procedure' | 'status', word: string) => filterIds(k, (lang) => translator(i18n, lang), kind, word);
  const [command, reference, status] = positionals;
  if (values.help || !command) return fail(t('ui:casesCli.usage'), command || values.help ? 0 : 2);

  const config = loadConfig();
  // With DATABASE_URL the cases are in PostgreSQL, shared with every instance of the service.
  const db = config.DATABASE_URL ? await Database.open(config.DATABASE_URL, { max: 2 }) : undefined;
  const store = db ? new PgCaseStore(db) : await FileCaseStore.open(config.EKEY_DATA_DIR);
  const cases = new CaseService(k, store);
  // The enterprise hears of a move made here as of one made in the desk: its notice goes to the service's outbox.
  let noticeFailed = false;
  tellMoves(
    cases,
    new OutboxSpool(config.EKEY_DATA_DIR),
    (lang) => translator(i18n, lang),
    (err, moved) => {
      noticeFailed = true;
      process.stderr.write(`${t('ui:casesCli.noticeFailed', { reference: moved.reference, reason: err.message })}\n`);
    },
  );
  const needReference = (): string => {
    if (!reference || parseReference(reference) !== reference) return fail(t('ui:agentApi.badReference'), 2);
    return reference;
  };
  const show = (c: CaseRecord): void => (values.json ? out(JSON.stringify(agentView(cases, c, t), null, 2)) : describe(cases, c, t));

  try {
    switch (command) {
      case 'list': {
        const q = ListQuery.safeParse({
          status: values.status,
          procedure: values.procedure,
          from: values.from,
          to: values.to,
          text: values.text,
          ...(values.callback ? { callback: 'true' } : {}),
          page: values.page,
          pageSize: values['page-size'],
        });
        if (!q.success) return fail(t('ui:agentApi.badQuery', { fields: q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }), 2);
        const page = await cases.list(toCaseQuery(q.data, name));
        if (values.json)
          return out(JSON.stringify({ items: page.items.map((c) => caseSummary(cases, c, t)), total: page.total, page: q.data.page, pageSize: q.data.pageSize }, null, 2));
        if (page.total === 0) return out(t('ui:casesCli.none'));
        for (const c of page.items) {
          const s = caseSummary(cases, c, t);
          out(
            [s.reference, referenceDate(c.reference), s.statusLabel, titles(c.procedures, t), inert(s.enterpriseName ?? ''), s.callbackPending ? t('ui:casesCli.callbackMark') : '']
              .join('  |  ')
              .trimEnd(),
          );
        }
        const first = (q.data.page - 1) * q.data.pageSize + 1;
        return out(t('ui:casesCli.total', { total: page.total, first, last: first + page.items.length - 1 }));
      }
      case 'show':
        return show(await cases.require(needReference()));
      case 'advance': {
        const ref = needReference();
        const lc = cases.lifecycle(await cases.require(ref));
        // A status in words ("已递交材料") names the id of this case's lifecycle.
        const to = status === undefined ? undefined : (name('status', status).find((id) => lc.statuses.some((x) => x.id === id)) ?? status);
        const body = TransitionBody.safeParse({
          to,
          agent: values.agent,
          ...(values.remark !== undefined ? { remark: values.remark } : {}),
          ...(values.resubmit ? { resubmit: values.resubmit.split(/[,，\s]+/).filter(Boolean) } : {}),
        });
        if (!body.success)
          return fail(`${t('ui:agentApi.badBody', { fields: body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') })}\n${t('ui:casesCli.usage')}`, 2);
        const c = await cases.transition(ref, body.data);
        out(t('ui:casesCli.advanced', { reference: ref, status: lifecycleText(cases.knowledge, t, c, 'statuses', c.status) }));
        if (c.notify && !noticeFailed) out(t('ui:casesCli.noticeQueued'));
        return show(c);
      }
      case 'erase-contact': {
        const ref = needReference();
        await cases.eraseContact(ref);
        return out(t('ui:casesCli.contactErased', { reference: ref }));
      }
      case 'callback-done': {
        const ref = needReference();
        const body = CallbackBody.safeParse({ agent: values.agent });
        if (!body.success) return fail(t('ui:casesCli.usage'), 2);
        await cases.require(ref);
        return show(await cases.callbackDone(ref, body.data.agent));
      }
      default:
        return fail(t('ui:casesCli.usage'), 2);
    }
  } catch (err) {
    if (err instanceof FilterWordError) return fail(filterWordMessage(t, err), 2);
    if (err instanceof CaseNotFoundError) return fail(t('ui:agentApi.notFound'));
    if (err instanceof TransitionError) {
      const label = (s: string) => lifecycleText(k, t, err, 'statuses', s);
      return fail(
        `${t('ui:agentApi.illegalTransition', { from: label(err.from), to: label(err.to) })}\n${t('ui:casesCli.allowed', { statuses: err.allowed.map((s) => `${s} (${label(s)})`).join(t('ui:outcome.separator')) })}`,
      );
    }
    if (err instanceof CaseInputError) {
      const message =
        err.code === 'remarkRequired'
          ? t('ui:agentApi.remarkRequired')
          : err.code === 'unknownStatus'
            ? `${t('ui:agentApi.unknownStatus')} ${err.allowed?.join(', ') ?? ''}`
            : err.code === 'unknownMaterial'
              ? t('ui:agentApi.unknownMaterial', { detail: err.detail })
              : t('ui:agentApi.resubmitNotRejection');
      return fail(message);
    }
    throw err;
  } finally {
    await store.close();
    await db?.close();
  }
}

await runCli(main);
