import { parseLanguage } from '../i18n.js';
import type { Language } from '../knowledge/schema.js';
import type { Conversation, TurnResult } from './conversation.js';
import type { UserInput } from './messages.js';
import { KeyedQueue } from '../storage/keyed-queue.js';
import type { ConversationStore } from './state-store.js';
import type { TurnLimit } from './turn-limit.js';
import { appendTranscript, inputText, messageText } from './transcript.js';

export interface TurnRequest {
  /** The conversation's key, unique per channel and conversation (e.g. "wechat:<openid>"). */
  key: string;
  input: UserInput | { start: true };
  /** The language the channel reports (activity locale), used when the conversation begins. */
  locale?: string;
  /** The channel's name ("wechat", "directline"...), stored with the cases the conversation opens. */
  channel?: string;
  /** The desk's agent guiding a caller: the cases opened are marked with the name, and no call-back is queued. */
  agent?: string;
}

/** The channel's name as given, or the key's prefix ("wechat:<openid>") when it looks like one. */
export function channelName(req: TurnRequest): string {
  if (req.channel) return req.channel;
  const prefix = /^([a-z][a-z0-9-]{0,30}):/.exec(req.key)?.[1];
  return prefix ?? 'unknown';
}

/**
 * The language a message is plainly written in: Chinese when it holds Chinese characters; English when it
 * holds English words (not just a number, a case reference, an address or an acronym such as PIN or USB).
 */
export function writtenLanguage(text: string | undefined): Language | undefined {
  if (!text) return undefined;
  if (/[\u3400-\u9fff]/.test(text)) return 'zh-CN';
  const words = text
    .replace(/EK-\d{8}-[0-9A-Z]{6}/gi, ' ')
    .replace(/\b(?:https?:\/\/|www\.)\S+/gi, ' ')
    .match(/[A-Za-z]{2,}/g)
    ?.filter((w) => w !== w.toUpperCase());
  return words && words.join('').length >= 4 ? 'en' : undefined;
}

/** The language the message is written in; else the channel's locale when it is Chinese or English; else Chinese. */
export function chooseLanguage(locale: string | undefined, text: string | undefined): Language {
  return writtenLanguage(text) ?? parseLanguage(locale) ?? 'zh-CN';
}

/** A turn that could not be run: the stored conversation is as before, and the user is asked to send the message again. */
export interface FailedTurn extends TurnResult {
  failed: true;
}

/**
 * Runs turns against stored state: load, turn, save, one turn at a time per conversation so that two
 * quick messages cannot overwrite each other's answers. Every channel goes through here, the terminal
 * guide included; a channel that must send the replies before the next turn starts (Bot Framework, whose
 * replies are posted to its serviceUrl) hands `deliver`, which runs in the conversation's queue.
 * A turn that fails gives one failure message, in the conversation's language.
 */
export class ConversationService {
  private readonly queues = new KeyedQueue();

  constructor(
    readonly conversation: Conversation,
    private readonly store: ConversationStore,
    private readonly observe?: (key: string, result: TurnResult, seconds: number) => void,
    private readonly onError?: (err: Error, key: string) => void,
    private readonly limit?: TurnLimit,
  ) {}

  handle<T = void>(req: TurnRequest, deliver?: (result: TurnResult | FailedTurn) => Promise<T>): Promise<TurnResult | FailedTurn> {
    return this.queues.run(req.key, async () => {
      const turn = async (): Promise<TurnResult | FailedTurn> => {
        const result = await this.run(req).catch((err: Error) => this.failure(req, err));
        if (deliver) await deliver(result);
        return result;
      };
      if (!this.store.exclusive) return turn();
      // Across instances sharing a database the conversation's turns run one at a time there as well;
      // a lock that cannot be had (the database away) is a failed turn, told in the conversation's language.
      let started = false;
      try {
        return await this.store.exclusive(req.key, () => {
          started = true;
          return turn();
        });
      } catch (err) {
        if (started) throw err;
        const failed = this.failure(req, err as Error);
        if (deliver) await deliver(failed);
        return failed;
      }
    });
  }

  private failure(req: TurnRequest, err: Error): FailedTurn {
    this.onError?.(err, req.key);
    const lang = this.lastLang.get(req.key) ?? chooseLanguage(req.locale, 'text' in req.input ? req.input.text : undefined);
    const text = this.conversation.t(lang)('ui:errors.temporary', { phone: this.conversation.knowledge.contacts.hotline?.value });
    return { state: this.conversation.newState(lang), messages: [{ type: 'text', role: 'error', text }], failed: true };
  }

  /** The language each conversation spoke last, for a failure that happens before its state could be read. */
  private readonly lastLang = new Map<string, Language>();

  private async run(req: TurnRequest): Promise<TurnResult> {
    const started = performance.now();
    const text = 'text' in req.input ? req.input.text : undefined;
    const wait = await this.limit?.take(req.key);
    if (wait !== undefined) return this.tooFast(req, text, wait);
    // A conversation opened by an activity that said nothing of its language (a conversationUpdate
    // without a locale) takes the language of the first one that does.
    const says = Boolean(req.locale) || Boolean(text?.trim());
    const stored = await this.store.get(req.key);
    let state = stored ?? { ...this.conversation.newState(chooseLanguage(req.locale, text)), langChosen: says };
    if (stored && !stored.langChosen && says) state = { ...stored, lang: chooseLanguage(req.locale, text), langChosen: true };
    // The assistant answers in the language the user writes in, whatever the page or the client says;
    // but an enterprise's name given for its contact details says nothing of the language.
    const written = writtenLanguage(text);
    if (written && written !== state.lang && !state.desk?.contact) state = { ...state, lang: written, langChosen: true };
    this.remember(req.key, state.lang);
    // Contact details and the last four digits are kept with the case, never in the transcript.
    const confidential = !!state.desk?.contact || state.desk?.status?.awaiting?.kind === 'digits';
    const said = confidential ? undefined : inputText(req.input, this.conversation.t(state.lang));
    if (said) state = { ...state, transcript: appendTranscript(state.transcript, [{ from: 'user', text: said, at: new Date().toISOString() }]) };
    const context = { channel: channelName(req), client: req.key, ...(req.agent ? { agent: req.agent } : {}) };
    // The stores hand out a fresh copy on every read, so the turn may change this one in place.
    const result = 'start' in req.input ? await this.conversation.start(state) : await this.conversation.turn(state, req.input, { ...context, owned: true });
    const at = new Date().toISOString();
    result.state.transcript = appendTranscript(
      result.state.transcript,
      result.messages.map((m) => ({ from: 'bot' as const, text: messageText(m), at })),
    );
    this.remember(req.key, result.state.lang);
    await this.store.set(req.key, result.state);
    this.observe?.(req.key, result, (performance.now() - started) / 1000);
    return result;
  }

  /** A turn over the conversation's limit runs nothing and changes nothing: the user is asked to send it again. */
  private async tooFast(req: TurnRequest, text: string | undefined, seconds: number): Promise<TurnResult> {
    const state = (await this.store.get(req.key)) ?? this.conversation.newState(chooseLanguage(req.locale, text));
    return { state, messages: [{ type: 'text', role: 'error', text: this.conversation.t(state.lang)('ui:errors.tooFast', { seconds }) }] };
  }

  private remember(key: string, lang: Language): void {
    this.lastLang.delete(key);
    this.lastLang.set(key, lang);
    if (this.lastLang.size > 10_000) this.lastLang.delete(this.lastLang.keys().next().value as string);
  }

  async reset(key: string): Promise<void> {
    this.lastLang.delete(key);
    await this.store.delete(key);
  }
}
