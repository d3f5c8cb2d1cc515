import { Consultation } from '../consult/consultation.js';
import { beijingDate } from '../dates/beijing.js';
import { createI18n, type Translate, translator } from '../i18n.js';
import type { Knowledge } from '../knowledge/model.js';
import type { Language } from '../knowledge/schema.js';
import { outcomeView } from './outcome-view.js';
import { questionView } from './question-view.js';
import { RANKED_FACT } from '../understand/engine.js';
import { isEmpty, rankedChoice, Understander, type Understanding } from '../understand/understand.js';
import type { CaseDesk } from './case-desk.js';
import type { ReminderDesk } from './reminder-desk.js';
import { ReminderDialog } from './reminder-dialog.js';
import { CaseDialog } from './case-dialog.js';
import { CommandReader } from './commands.js';
import { FeedbackDialog, type InsightSink } from './feedback.js';
import type { CaseNote, Control, Message, UserInput } from './messages.js';
import { inertQuote } from './quote.js';
import { type ConversationState, effectiveAnswers, newState, snapshot } from './state.js';

export interface TurnResult {
  state: ConversationState;
  messages: Message[];
}

export interface ConversationOptions {
  /** Today's date in Beijing, injectable for tests. */
  today?: () => string;
  /** The helpdesk's cases: without them outcomes carry no reference and "查询进度" is unavailable. */
  cases?: CaseDesk;
  /** Content owners' view: feedback per procedure and messages not understood. */
  insights?: InsightSink;
  /** Certificate reminders: without them none is offered and "取消提醒" says there is none. */
  reminders?: ReminderDesk;
}

/** Where a turn comes from, for the case it may open. */
export interface TurnContext {
  channel?: string;
  /** The conversation's key, for the cap on new cases per client and day; not stored. */
  client?: string;
  /** The desk's agent guiding a caller, for the cases the turn opens. */
  agent?: string;
  /**
   * The state is the caller's own copy, just read for this turn and held by nobody else: it is changed in
   * place instead of copied first (a copy costs as much as reading it from the store).
   */
  owned?: boolean;
}

/** After this many messages in a row that say nothing understood, a human agent is offered. */
const MISSES_BEFORE_HUMAN = 2;

/**
 * One turn of the consultation, for every channel: state + input -> new state + messages. It holds no
 * state itself, so one instance serves every conversation.
 */
export class Conversation {
  readonly consultation: Consultation;
  private readonly understander: Understander;
  private readonly commands: CommandReader;
  private readonly i18n;
  private readonly today: () => string;
  private readonly desk?: CaseDialog;
  private readonly feedback?: FeedbackDialog;
  private readonly insights?: InsightSink;
  private readonly reminders?: ReminderDialog;

  constructor(
    readonly knowledge: Knowledge,
    options: ConversationOptions = {},
  ) {
    this.consultation = new Consultation(knowledge);
    this.understander = new Understander(knowledge);
    this.commands = new CommandReader(knowledge);
    this.i18n = createI18n(knowledge);
    this.today = options.today ?? (() => beijingDate());
    if (options.cases) this.desk = new CaseDialog(knowledge, options.cases);
    if (options.reminders) this.reminders = new ReminderDialog(knowledge, options.reminders);
    if (options.insights) {
      this.insights = options.insights;
      this.feedback = new FeedbackDialog(knowledge, options.insights);
    }
  }

  t(lang: Language): Translate {
    return translator(this.i18n, lang);
  }

  newState(lang: Language): ConversationState {
    return newState(lang);
  }

  /** The opening of a conversation: greeting and the first question. */
  async start(state: ConversationState): Promise<TurnResult> {
    const s = structuredClone(state);
    const messages = this.greet(s);
    messages.push(...(await this.advance(s)));
    return { state: s, messages };
  }

  async turn(state: ConversationState, input: UserInput, context: TurnContext = {}): Promise<TurnResult> {
    const s = context.owned ? state : structuredClone(state);
    this.desk?.enter(s, context.channel, context.client, context.agent);
    const messages = this.greet(s);
    const reminded = await this.reminders?.take(s, input, this.t(s.lang), context.client);
    if (reminded) return { state: s, messages: [...messages, ...reminded] };
    if (this.feedback?.take(s, input, this.t(s.lang))) return { state: s, messages: [...messages, { type: 'text', role: 'notice', text: this.t(s.lang)('ui:feedback.thanks') }] };
    if ('question' in input) return { state: s, messages: [...messages, ...(await this.button(s, input.question, input.answer))] };
    if ('change' in input) return { state: s, messages: [...messages, ...(await this.change(s, input.change))] };

    const text = 'text' in input ? input.text.trim() : '';
    // Read once before commands: "钥匙丢了，能帮我转人工吗" both answers and asks for a person.
    const today = this.today();
    const earlyAsked = { pending: s.pending, offered: s.offered };
    const early = s.finished || !('text' in input) ? undefined : this.understander.understand(text, { ...earlyAsked, today });
    const command = 'command' in input ? input.command : this.commands.read(text, early !== undefined && Object.keys(early.answers).length > 0);
    if (command === 'reminder-cancel')
      return {
        state: s,
        messages: [
          ...messages,
          ...(this.reminders
            ? await this.reminders.cancel(context.client, this.t(s.lang))
            : [{ type: 'text', role: 'notice', text: this.t(s.lang)('ui:reminder.nothingToCancel') } as const]),
        ],
      };
    const desk = await this.desk?.handle(s, text, command, this.t(s.lang));
    if (desk) return { state: s, messages: [...messages, ...desk] };
    if (command) {
      // The answers go with the commands after which the consultation goes on (a person, a language).
      const goesOn = command === 'human' || command === 'lang-zh' || command === 'lang-en';
      const said = early && goesOn && Object.keys(early.answers).length > 0 ? this.said(s, early) : [];
      const out = await this.command(s, command);
      // What was answered moves the consultation on: its next question stays on screen.
      if (said.length > 0 && !s.finished && out.at(-1)?.type !== 'question') out.push(...(await this.advance(s)));
      return { state: s, messages: [...messages, ...said, ...out] };
    }

    if (s.finished) {
      // The detail the outcome asked for (its expiry date) goes on with the same answers.
      const detail = s.awaiting;
      const heard = this.understander.understand(text, { pending: undefined, today: this.today() });
      if (detail && heard.details[detail] !== undefined) {
        s.finished = false;
        delete s.awaiting;
        this.record(s, heard);
        return { state: s, messages: [...messages, ...(await this.advance(s))] };
      }
      // "不对，我们是外资企业" after the outcome: that answer changes and the outcome is decided again.
      if (this.corrects(s, heard)) {
        s.finished = false;
        delete s.awaiting;
        const said = this.said(s, heard);
        return { state: s, messages: [...messages, ...said, ...(await this.advance(s))] };
      }
      Object.assign(s, newState(s.lang), { greeted: true, langChosen: s.langChosen });
      this.desk?.settle(s);
    }
    const firstTurn = messages.length > 0;
    // A first message may answer the opening question by its number before the question was shown.
    if (s.pending === undefined) {
      const step = await this.consultation.next(effectiveAnswers(s), s.details, { today: this.today() });
      if (step.kind === 'question') {
        s.pending = step.question.id;
        s.asked = Math.max(s.asked ?? 0, 1);
      }
    }
    // Understanding is the dearest part of a turn: the early reading holds unless the question it was read against changed since.
    const sameQuestion = early !== undefined && s.pending === earlyAsked.pending && s.offered === earlyAsked.offered;
    const heard = sameQuestion ? early : this.understander.understand(text, { pending: s.pending, offered: s.offered, today });
    messages.push(...(await this.apply(s, heard, text, firstTurn)));
    return { state: s, messages };
  }

  /**
   * After an outcome, a message that changes an answer given and says so ("不对，我们是外资企业", "actually");
   * without such words a new message starts a new consultation.
   */
  private corrects(s: ConversationState, heard: Understanding): boolean {
    const facts = Object.keys(heard.answers);
    if (facts.length === 0 || heard.guessed) return false;
    const before = effectiveAnswers(s);
    const differs = facts.some((f) => before[f] !== undefined && before[f] !== heard.answers[f]);
    return differs && heard.correction === true;
  }

  /** Records what was heard and says it back in one line. */
  private said(s: ConversationState, heard: Understanding): Message[] {
    const before = effectiveAnswers(s);
    this.record(s, heard);
    const line = this.understoodLine(s, heard, before);
    return line ? [line] : [];
  }

  /** "已记录：外资企业；证书 2027-01-05 到期" or "已将企业类型改为：内资企业", from the answers said outright. */
  private understoodLine(s: ConversationState, heard: Understanding, before: Record<string, string>): Message | undefined {
    const t = this.t(s.lang);
    const facts = Object.keys(heard.answers).sort((a, b) => (this.knowledge.questions.get(a)?.order ?? 0) - (this.knowledge.questions.get(b)?.order ?? 0));
    if (facts.length === 0) return undefined;
    const items = facts.map((fact) => {
      const value = heard.answers[fact] as string;
      const q = this.knowledge.questions.get(fact);
      const detail = q?.date ? heard.details[q.date.detail] : undefined;
      const label = detail ? t('ui:understood.expiryDate', { date: detail }) : t(`questions:${fact}.options.${value}`);
      return { question: fact, label, changed: before[fact] !== undefined && before[fact] !== value };
    });
    const separator = t('ui:understood.separator');
    if (heard.guessed && items.length === 1) return { type: 'understood', text: t('ui:understood.guessed', { label: items[0]?.label }), items };
    const changed = items.filter((i) => i.changed);
    const text = changed.length
      ? t('ui:understood.changed', { changes: changed.map((i) => t('ui:understood.change', { question: t(`questions:${i.question}.label`), value: i.label })).join(separator) })
      : t('ui:understood.recorded', { items: items.map((i) => i.label).join(separator) });
    return { type: 'understood', text, items };
  }

  private greet(s: ConversationState): Message[] {
    if (s.greeted) return [];
    s.greeted = true;
    const t = this.t(s.lang);
    return [{ type: 'text', role: 'greeting', text: `${t('ui:greeting')}\n${t('ui:commandsHint')}` }];
  }

  /** `quiet`: a button was pressed, which shows what it answers; typed words are said back. */
  private async apply(s: ConversationState, heard: Understanding, text: string, firstTurn: boolean, quiet = false): Promise<Message[]> {
    const t = this.t(s.lang);
    if (heard.invalidDate) {
      return [{ type: 'text', role: 'error', text: t(`questions:${heard.invalidDate.fact}.invalidDate`, { text: heard.invalidDate.text }) }, ...(await this.advance(s))];
    }
    const known = Object.keys(heard.answers).length > 0 || Object.keys(heard.implied).length > 0;
    const said: Message[] = [];
    if (known && quiet) this.record(s, heard);
    else if (known) said.push(...this.said(s, heard));
    if (heard.reask) {
      const guide = this.knowledge.guides.get(heard.reask.guide);
      const lines = guide ? [t(`guides:${guide.id}.title`), ...guide.steps.map((id, i) => `${i + 1}. ${t(`guides:${guide.id}.steps.${id}`)}`), t('ui:guideThenReask')] : [];
      return [...said, { type: 'text', role: 'help', text: lines.join('\n') }, ...(await this.advance(s))];
    }
    if (isEmpty(heard)) {
      if (firstTurn && Object.keys(s.answers).length === 0 && !heard.outOfScope && rankedChoice(heard.ranked?.options ?? []).length < 2) return this.advance(s);
      return this.notUnderstood(s, heard, text);
    }
    return [...said, ...(await this.advance(s))];
  }

  /**
   * Nothing answered. Out of scope: say what the assistant covers and the hotline. The classifier unsure
   * between a few needs: "您是想办理 A 还是 B？" with only those. Otherwise the menu with one line on what is
   * covered, never twice in a row: the second time the hotline and the classifier's three best instead.
   */
  private async notUnderstood(s: ConversationState, heard: Understanding, text: string): Promise<Message[]> {
    const t = this.t(s.lang);
    const phone = this.knowledge.contacts.hotline?.value;
    s.misses += 1;
    if (text) this.insights?.notUnderstood({ text, ...(s.pending ? { question: s.pending } : {}), lang: s.lang });
    if (heard.outOfScope) {
      s.menuShown = false;
      return [{ type: 'text', role: 'notice', text: t('ui:outOfScope', { phone }) }, ...(await this.advance(s))];
    }
    const ranked = heard.ranked && s.pending === heard.ranked.fact ? heard.ranked : undefined;
    const choice = ranked ? rankedChoice(ranked.options) : [];
    if (ranked && choice.length >= 2) {
      s.menuShown = false;
      return [this.offer(s, ranked.fact, choice, t)];
    }
    const quote = inertQuote(text);
    const out: Message[] = [{ type: 'text', role: 'error', text: quote ? t('ui:notUnderstood', { text: quote }) : t('ui:notUnderstoodEmpty') }];
    const pending = s.pending ? this.consultation.question(s.pending) : undefined;
    if (s.menuShown && ranked && ranked.options.length >= 3) {
      s.menuShown = false;
      out.push({ type: 'text', role: 'notice', text: t('ui:handoff', { phone }) });
      return [
        ...out,
        this.offer(
          s,
          ranked.fact,
          ranked.options.slice(0, 3).map((o) => o.value),
          t,
          false,
        ),
      ];
    }
    if (pending?.id === RANKED_FACT) {
      s.menuShown = true;
      out.push({ type: 'text', role: 'help', text: t('ui:covers') });
    } else if (pending) out.push({ type: 'text', role: 'help', text: t(`questions:${pending.id}.help`) });
    if (s.misses >= MISSES_BEFORE_HUMAN) out.push({ type: 'text', role: 'notice', text: t('ui:offerHuman') });
    return [...out, ...(await this.advance(s))];
  }

  /** The pending question with only the options chosen, in their order; a typed number counts in them. */
  private offer(s: ConversationState, fact: string, values: string[], t: Translate, asChoice = true): Message {
    const q = this.knowledge.questions.get(fact);
    const full = q ? questionView(q, t) : undefined;
    const options = values.map((v, i) => ({ index: i + 1, value: v, label: full?.options.find((o) => o.value === v)?.label ?? v }));
    s.pending = fact;
    s.offered = values;
    const labels = options.map((o) => o.label);
    const prompt = asChoice
      ? labels.length === 2
        ? t('ui:rankedChoice.two', { a: labels[0], b: labels[1] })
        : t('ui:rankedChoice.three', { a: labels[0], b: labels[1], c: labels[2] })
      : (full?.prompt ?? '');
    return { type: 'question', question: { id: fact, prompt, help: full?.help ?? '', options } };
  }

  private record(s: ConversationState, heard: Understanding): void {
    s.history.push(snapshot(s));
    delete s.offered;
    s.menuShown = false;
    Object.assign(s.answers, heard.answers);
    Object.assign(s.details, heard.details);
    for (const [fact, value] of Object.entries(heard.implied)) if (s.answers[fact] === undefined) s.implied[fact] ??= value;
    s.misses = 0;
  }

  /** Asks the next question or gives the outcome. */
  private async advance(s: ConversationState): Promise<Message[]> {
    const step = await this.consultation.next(effectiveAnswers(s), s.details, { today: this.today() });
    const t = this.t(s.lang);
    if (step.kind === 'question') {
      if (s.pending !== step.question.id) s.asked = (s.asked ?? 0) + 1;
      s.pending = step.question.id;
      delete s.offered;
      return [{ type: 'question', question: questionView(step.question, t), controls: this.controls(t) }];
    }
    s.pending = undefined;
    delete s.offered;
    s.finished = true;
    if (step.outcome.notYet && !step.outcome.notYet.expiryDate) s.awaiting = 'expiryDate';
    else delete s.awaiting;
    const opened = await this.desk?.outcome(s, step.outcome, t);
    const note: CaseNote | undefined = opened && !('type' in opened) ? opened : undefined;
    const out: Message[] = [
      { type: 'outcome', outcome: step.outcome, view: outcomeView(step.outcome, t, s.lang), ...(note ? { case: note } : {}), controls: this.controls(t) },
      ...(opened && 'type' in opened ? [opened] : []),
      { type: 'text', role: 'notice', text: t('ui:newConsultation') },
    ];
    // Offered instead of the feedback question: two yes/no questions at once could not be told apart.
    const offer = this.reminders?.offer(s, step.outcome, this.today(), t);
    if (offer) out.push(offer);
    else if (this.feedback) {
      this.feedback.ask(
        s,
        step.outcome.rule,
        step.outcome.procedures.map((p) => p.id),
      );
      out.push({ type: 'question', question: this.feedback.view(t) });
    }
    return out;
  }

  private async button(s: ConversationState, question: string, answer: string): Promise<Message[]> {
    const q = this.knowledge.questions.get(question);
    const option = q?.options.find((o) => o.value === answer);
    // A button from an earlier card answers a question that is no longer asked: never let it change the answers.
    if (!q || !option || s.pending !== question || s.finished) {
      const said = this.t(s.lang)(s.finished ? 'ui:staleButtonFinished' : 'ui:staleButton');
      return [{ type: 'text', role: 'notice', text: said }, ...(s.finished ? [] : await this.advance(s))];
    }
    const heard: Understanding = option.reask
      ? { answers: {}, implied: {}, details: {}, reask: { fact: q.id, guide: option.guide ?? '' } }
      : { answers: { [q.id]: option.value }, implied: option.implies ?? {}, details: {} };
    return this.apply(s, heard, '', false, true);
  }

  /** The commands offered beside every question and outcome: back, restart, a person. */
  private controls(t: Translate): Control[] {
    return [
      { command: 'back', title: t('ui:controls.back') },
      { command: 'restart', title: t('ui:controls.restart') },
      { command: 'human', title: t('ui:controls.human') },
    ];
  }

  /**
   * A change button beside an answer that decided the outcome (or any answer given): the question is asked
   * again, every other answer kept, and "back" returns to where the change began.
   */
  private async change(s: ConversationState, question: string): Promise<Message[]> {
    if (!this.knowledge.questions.has(question) || effectiveAnswers(s)[question] === undefined) {
      return [{ type: 'text', role: 'notice', text: this.t(s.lang)('ui:staleButton') }, ...(s.finished ? [] : await this.advance(s))];
    }
    s.history.push(snapshot(s));
    delete s.answers[question];
    delete s.implied[question];
    s.finished = false;
    delete s.awaiting;
    s.misses = 0;
    return this.advance(s);
  }

  private async command(s: ConversationState, command: string): Promise<Message[]> {
    const t = () => this.t(s.lang);
    switch (command) {
      case 'restart':
        Object.assign(s, newState(s.lang), { greeted: true });
        this.desk?.settle(s);
        return [{ type: 'text', role: 'notice', text: t()('ui:restart') }, ...(await this.advance(s))];
      case 'back': {
        const previous = s.history.pop();
        if (!previous) return [{ type: 'text', role: 'notice', text: t()('ui:backNothing') }, ...(await this.advance(s))];
        Object.assign(s, previous, { finished: false, misses: 0 });
        return [{ type: 'text', role: 'notice', text: t()('ui:back') }, ...(await this.advance(s))];
      }
      case 'help': {
        const help = s.pending && !s.finished ? t()(`questions:${s.pending}.help`) : t()('ui:noQuestionHelp');
        return [{ type: 'text', role: 'help', text: `${help}\n${t()('ui:commandsHint')}` }, ...(s.finished ? [] : await this.advance(s))];
      }
      case 'human': {
        const c = this.knowledge.contacts;
        // The question waiting stays on screen with its buttons, as after help.
        return [
          { type: 'text', role: 'notice', text: t()('ui:human', { phone: c.hotline?.value, site: c.serviceSite?.value }) },
          ...((await this.desk?.human(s, t())) ?? []),
          ...(s.finished || s.pending === undefined ? [] : await this.advance(s)),
        ];
      }
      case 'status':
      case 'contact':
        return [{ type: 'text', role: 'notice', text: t()('ui:cases.unavailable', { phone: this.knowledge.contacts.hotline?.value }) }];
      case 'lang-zh':
      case 'lang-en':
        s.lang = command === 'lang-zh' ? 'zh-CN' : 'en';
        s.langChosen = true;
        return [{ type: 'text', role: 'notice', text: t()('ui:languageSwitched') }, ...(s.finished ? [] : await this.advance(s))];
      default:
        return [];
    }
  }
}
