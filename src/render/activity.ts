import type { Control, Message } from '../conversation/messages.js';
import type { Translate } from '../i18n.js';
import type { Language } from '../knowledge/schema.js';
import { ADAPTIVE_CARD_CONTENT_TYPE, adaptiveCard, type AdaptiveCard, type ButtonData, textBlock } from './adaptive-card.js';
import { type LinkBase, linkUrl } from './links.js';
import { outcomeCard } from './outcome-card.js';
import { outcomeSummaryText } from './plain-text.js';
import { buttonData, questionCard } from './question-card.js';
import type { QuestionView } from '../conversation/question-view.js';

/** A suggested action; `value` carries the {question, answer} a button answers. */
export interface BotCardAction {
  type: 'messageBack' | 'postBack' | 'imBack';
  title: string;
  value: ButtonData;
  text?: string;
  displayText?: string;
}

export interface BotAttachment {
  contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE;
  content: AdaptiveCard;
}

/** A Bot Framework message activity as plain JSON, without the addressing the channel adds. */
export interface BotActivity {
  type: 'message';
  text?: string;
  textFormat: 'markdown' | 'plain';
  locale: Language;
  inputHint?: 'acceptingInput' | 'expectingInput' | 'ignoringInput';
  suggestedActions?: { actions: BotCardAction[]; to?: string[] };
  attachments?: BotAttachment[];
  /** Machine-readable outcome for clients and tests: ids only, never text. */
  channelData?: { ekey: { outcome: string; procedures: string[]; reference?: string } };
}

export interface RenderOptions {
  /** The activity's channel ("msteams", "emulator", "webchat", "directline"...): decides what it can show. */
  channelId: string;
  lang: Language;
  /** Where links to the service's own pages (checklist, flowchart) point; none leaves them out. */
  links?: LinkBase;
}

/** Teams shows at most this many suggested actions; a question with more options gets a card. */
const MAX_SUGGESTED_ACTIONS = 3;

function cardAttachment(content: AdaptiveCard): BotAttachment {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content };
}

/** A button that shows its words as the user's message and sends `value`; a channel that drops the value still sends the words, which the conversation understands. */
function messageBack(title: string, value: ButtonData): BotCardAction {
  return { type: 'messageBack', title, displayText: title, text: title, value };
}

function controlActions(controls: Control[] | undefined): BotCardAction[] {
  return (controls ?? []).slice(0, MAX_SUGGESTED_ACTIONS).map((c) => messageBack(c.title, { command: c.command }));
}

function plain(text: string, options: RenderOptions, extra: Partial<BotActivity> = {}): BotActivity {
  return { type: 'message', text, textFormat: 'plain', locale: options.lang, ...extra };
}

function questionActivity(view: QuestionView, controls: Control[] | undefined, t: Translate, options: RenderOptions): BotActivity {
  const base = plain(view.prompt, options, { inputHint: 'expectingInput' });
  const commands = controlActions(controls);
  // Teams renders suggested actions only in personal chats and only three of them; its cards work everywhere.
  if (options.channelId === 'msteams' || view.options.length > MAX_SUGGESTED_ACTIONS) {
    return { ...base, attachments: [cardAttachment(questionCard(view, t))], ...(commands.length ? { suggestedActions: { actions: commands } } : {}) };
  }
  return { ...base, suggestedActions: { actions: [...view.options.map((o) => messageBack(o.label, buttonData(view, o.value))), ...commands] } };
}

function linkCard(text: string, title: string, url: string): AdaptiveCard {
  return adaptiveCard([textBlock(text), { type: 'ActionSet', actions: [{ type: 'Action.OpenUrl', title, url }] }], { fallbackText: `${text}\n${url}` });
}

/**
 * The channel-neutral messages of a turn as Bot Framework activities, each message once: text as plain
 * text (no Markdown is read in it), questions with their options and the conversation's controls as
 * buttons, the outcome as one Adaptive Card 1.5 with its plain text as the fallback.
 */
export function renderActivities(messages: Message[], t: Translate, options: RenderOptions): BotActivity[] {
  return messages.map((m): BotActivity => {
    switch (m.type) {
      case 'text': {
        const url = m.link && linkUrl(m.link, options.links);
        if (url && m.link) return { type: 'message', textFormat: 'plain', locale: options.lang, attachments: [cardAttachment(linkCard(m.text, m.link.title, url))] };
        return plain(m.text, options);
      }
      case 'understood':
        return plain(m.text, options);
      case 'question':
        return questionActivity(m.question, m.controls, t, options);
      case 'outcome': {
        const fallback = outcomeSummaryText(m, t, options.links) || m.view.summary;
        const commands = controlActions(m.controls);
        return {
          type: 'message',
          textFormat: 'plain',
          locale: options.lang,
          attachments: [cardAttachment(outcomeCard(m, t, options.links, fallback))],
          ...(commands.length ? { suggestedActions: { actions: commands } } : {}),
          channelData: { ekey: { outcome: m.outcome.rule, procedures: m.outcome.procedures.map((p) => p.id), ...(m.case ? { reference: m.case.reference } : {}) } },
        };
      }
    }
  });
}
