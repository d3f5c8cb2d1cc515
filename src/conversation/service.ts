import type { Language } from '../knowledge/schema.js';
import type { Conversation, TurnResult } from './conversation.js';
import type { UserInput } from './messages.js';
import type { ConversationStore } from './state-store.js';
import type { TurnLimit } from './turn-limit.js';

export interface TurnRequest {
  /** The conversation's key, unique per channel and conversation (e.g. "wechat:<openid>"). */
  key: string;
  input: UserInput | { start: true };
  /** The language the channel reports (activity locale), used when the conversation begins. */
  locale?: string;
  /** The channel's name ("wechat", "directline"...), stored with the cases the conversation opens. */
  channel?: string;
}

/** The channel's name as given, or the key's prefix ("wechat:<openid>") when it looks like one. */
export function channelName(req: TurnRequest): string {
  if (req.channel) return req.channel;
  const prefix = /^([a-z][a-z0-9-]{0,30}):/.exec(req.key)?.[1];
  return prefix ?? 'unknown';
}

/**
 * The channel's locale when it is Chinese or English; otherwise (none, or another language) English
 * when the message is written in Latin letters only; else Chinese.
 */
export function chooseLanguage(locale: string | undefined, text: string | undefined): Language {
  if (locale && /^en\b/i.test(locale)) return 'en';
  if (locale && /^zh\b/i.test(locale)) return 'zh-CN';
  if (text && /[a-z]{2}/i.test(text) && !/[\u3400-\u9fff]/.test(text)) return 'en';
  return 'zh-CN';
}

/**
 * Runs turns against stored state: load, turn, save, one turn at a time per conversation so that two
 * quick messages cannot overwrite each other's answers. Every channel goes through here.
 */
export class ConversationService {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    readonly conversation: Conversation,
    private readonly store: ConversationStore,
    private readonly observe?: (key: string, result: TurnResult, seconds: number) => void,
    private readonly limit?: TurnLimit,
  ) {}

  handle(req: TurnRequest): Promise<TurnResult> {
    const previous = this.queues.get(req.key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.run(req));
    this.queues.set(req.key, run);
    void run.finally(() => {
      if (this.queues.get(req.key) === run) this.queues.delete(req.key);
    }).catch(() => undefined);
    return run;
  }

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
    const result = 'start' in req.input ? await this.conversation.start(state) : await this.conversation.turn(state, req.input, { channel: channelName(req), client: req.key });
    await this.store.set(req.key, result.state);
    this.observe?.(req.key, result, (performance.now() - started) / 1000);
    return result;
  }

  /** A turn over the conversation's limit runs nothing and changes nothing: the user is asked to send it again. */
  private async tooFast(req: TurnRequest, text: string | undefined, seconds: number): Promise<TurnResult> {
    const state = (await this.store.get(req.key)) ?? this.conversation.newState(chooseLanguage(req.locale, text));
    return { state, messages: [{ type: 'text', role: 'error', text: this.conversation.t(state.lang)('ui:errors.tooFast', { seconds }) }] };
  }

  async reset(key: string): Promise<void> {
    await this.store.delete(key);
  }
}
