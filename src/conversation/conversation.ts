import { Consultation } from '../consult/consultation.js';
import { beijingDate } from '../dates/beijing.js';
import { createI18n, type Translate, translator } from '../i18n.js';
import type { Knowledge } from '../knowledge/model.js';
import type { Language } from '../knowledge/schema.js';
import { outcomeView } from './outcome-view.js';
import { questionView } from './question-view.js';
import { isEmpty, Understander, type Understanding } from '../understand/understand.js';
import type { CaseDesk } from './case-desk.js';
import { CaseDialog } from './case-dialog.js';
import { CommandReader } from './commands.js';
import { FeedbackDialog, type InsightSink } from './feedback.js';
import type { CaseNote, Control, Message, UserInput } from './messages.js';
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
}

/** Where a turn comes from, for the case it may open. */
export interface TurnContext {
  channel?: string;
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

  constructor(readonly knowledge: Knowledge, options: ConversationOptions = {}) {
    this.consultation = new Consultation(knowledge);
    this.understander = new Understander(knowledge);
    this.commands = new CommandReader(knowledge);
    this.i18n = createI18n(knowledge);
    this.today = options.today ?? (() => beijingDate());
    if (options.cases) this.desk = new CaseDialog(knowledge, options.cases);
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
    const s = structuredClone(state);
    this.desk?.enter(s, context.channel);
    const messages = this.greet(s);
    if (this.feedback?.take(s, input, this.t(s.lang))) return { state: s, messages: [...messages, { type: 'text', role: 'notice', text: this.t(s.lang)('ui:feedback.thanks') }] };
    if ('question' in input) return { state: s, messages: [...messages, ...(await this.button(s, input.question, input.answer))] };
    if ('change' in input) return { state: s, messages: [...messages, ...(await this.change(s, input.change))] };

    const text = 'text' in input ? input.text.trim() : '';
    const command = 'command' in input ? input.command : this.commands.read(text);
    const desk = await this.desk?.handle(s, text, command, this.t(s.lang));
    if (desk) return { state: s, messages: [...messages, ...desk] };
    if (command) return { state: s, messages: [...messages, ...(await this.command(s, command))] };

    if (s.finished) {
      // The detail the outcome asked for (its expiry date) goes on with the same answers.
      const detail = s.awaiting;
      const heard = detail ? this.understander.understand(text, { pending: undefined, today: this.today() }) : undefined;
      if (detail && heard?.details[detail] !== undefined) {
        s.finished = false;
        delete s.awaiting;
        this.record(s, heard);
        return { state: s, messages: [...messages, ...(await this.advance(s))] };
      }
      Object.assign(s, newState(s.lang), { greeted: true, langChosen: s.langChosen });
    }
    const firstTurn = messages.length > 0;
    // A first message may answer the opening question by its number before the question was shown.
    if (s.pending === undefined) {
      const step = await this.consultation.next(effectiveAnswers(s), s.details);
      if (step.kind === 'question') {
        s.pending = step.question.id;
        s.asked = Math.max(s.asked ?? 0, 1);
      }
    }
    const heard = this.understander.understand(text, { pending: s.pending, today: this.today() });
    messages.push(...(await this.apply(s, heard, text, firstTurn)));
    return { state: s, messages };
  }

  private greet(s: ConversationState): Message[] {
    if (s.greeted) return [];
    s.greeted = true;
    const t = this.t(s.lang);
    return [{ type: 'text', role: 'greeting', text: `${t('ui:greeting')}\n${t('ui:commandsHint')}` }];
  }

  private async apply(s: ConversationState, heard: Understanding, text: string, firstTurn: boolean): Promise<Message[]> {
    const t = this.t(s.lang);
    if (heard.invalidDate) {
      return [{ type: 'text', role: 'error', text: t(`questions:${heard.invalidDate.fact}.invalidDate`, { text: heard.invalidDate.text }) }, ...(await this.advance(s))];
    }
    const known = Object.keys(heard.answers).length > 0 || Object.keys(heard.implied).length > 0;
    if (known) this.record(s, heard);
    if (heard.reask) {
      const guide = this.knowledge.guides.get(heard.reask.guide);
      const lines = guide ? [t(`guides:${guide.id}.title`), ...guide.steps.map((id, i) => `${i + 1}. ${t(`guides:${guide.id}.steps.${id}`)}`), t('ui:guideThenReask')] : [];
      return [{ type: 'text', role: 'help', text: lines.join('\n') }, ...(await this.advance(s))];
    }
    if (isEmpty(heard)) {
      if (firstTurn && Object.keys(s.answers).length === 0) return this.advance(s);
      s.misses += 1;
      if (text) this.insights?.notUnderstood({ text, ...(s.pending ? { question: s.pending } : {}), lang: s.lang });
      // The quote is said back with its markup characters blanked, so that no host that reads marks anyway can be made to post a link.
      const quote = text.slice(0, 60).replace(/[[\]()<>*_`~#|\\!]/g, ' ').trim();
      const said = quote ? t('ui:notUnderstood', { text: quote }) : t('ui:notUnderstoodEmpty');
      const out: Message[] = [{ type: 'text', role: 'error', text: said }];
      const pending = s.pending ? this.consultation.question(s.pending) : undefined;
      if (pending) out.push({ type: 'text', role: 'help', text: t(`questions:${pending.id}.help`) });
      if (s.misses >= MISSES_BEFORE_HUMAN) out.push({ type: 'text', role: 'notice', text: t('ui:offerHuman') });
      return [...out, ...(await this.advance(s))];
    }
    return this.advance(s);
  }

  private record(s: ConversationState, heard: Understanding): void {
    s.history.push(snapshot(s));
    Object.assign(s.answers, heard.answers);
    Object.assign(s.details, heard.details);
    for (const [fact, value] of Object.entries(heard.implied)) if (s.answers[fact] === undefined) s.implied[fact] ??= value;
    s.misses = 0;
  }

  /** Asks the next question or gives the outcome. */
  private async advance(s: ConversationState): Promise<Message[]> {
    const step = await this.consultation.next(effectiveAnswers(s), s.details);
    const t = this.t(s.lang);
    if (step.kind === 'question') {
      if (s.pending !== step.question.id) s.asked = (s.asked ?? 0) + 1;
      s.pending = step.question.id;
      return [{ type: 'question', question: questionView(step.question, t), controls: this.controls(t) }];
    }
    s.pending = undefined;
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
    if (this.feedback) {
      this.feedback.ask(s, step.outcome.rule, step.outcome.procedures.map((p) => p.id));
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
    return this.apply(s, heard, '', false);
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
