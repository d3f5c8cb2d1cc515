import type { Message } from '../conversation/messages.js';
import type { Translate } from '../i18n.js';
import type { Language } from '../knowledge/schema.js';
import { ADAPTIVE_CARD_CONTENT_TYPE, type AdaptiveCard, type ButtonData } from './adaptive-card.js';
import { outcomeCard } from './outcome-card.js';
import { buttonData, questionCard } from './question-card.js';
import type { QuestionView } from './question-view.js';

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
  channelData?: { ekey: { outcome: string; procedures: string[] } };
}

export interface RenderOptions {
  /** The activity's channel ("msteams", "emulator", "webchat", "directline"...): decides what it can show. */
  channelId: string;
  lang: Language;
  /** This service's public base URL, for links to pages it serves; reserved: no renderer adds links yet. */
  publicUrl?: string;
}

/** Teams shows at most this many suggested actions; a question with more options gets a card. */
const MAX_SUGGESTED_ACTIONS = 3;

function cardAttachment(content: AdaptiveCard): BotAttachment {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content };
}

/** Lines of a text message are separate paragraphs: a lone newline would be folded into a space by Markdown. */
function paragraphs(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/\n+/g, '\n\n');
}

function questionActivity(view: QuestionView, t: Translate, options: RenderOptions): BotActivity {
  const base: BotActivity = { type: 'message', text: view.prompt, textFormat: 'markdown', locale: options.lang, inputHint: 'expectingInput' };
  // Teams renders suggested actions only in personal chats and only three of them; its cards work everywhere.
  if (options.channelId === 'msteams' || view.options.length > MAX_SUGGESTED_ACTIONS) {
    return { ...base, attachments: [cardAttachment(questionCard(view, t))] };
  }
  return {
    ...base,
    suggestedActions: {
      // messageBack shows the label as the user's message and sends the value; a channel that drops the
      // value still sends the label as text, which the conversation understands as well.
      actions: view.options.map((o) => ({ type: 'messageBack', title: o.label, displayText: o.label, text: o.label, value: buttonData(view, o.value) })),
    },
  };
}

/**
 * The channel-neutral messages of a turn as Bot Framework activities: text as Markdown, questions with
 * their options as buttons, the outcome as Markdown plus an Adaptive Card 1.5 with the checklist.
 */
export function renderActivities(messages: Message[], t: Translate, options: RenderOptions): BotActivity[] {
  return messages.map((m): BotActivity => {
    switch (m.type) {
      case 'text':
        return { type: 'message', text: paragraphs(m.text), textFormat: 'markdown', locale: options.lang };
      case 'understood':
        return { type: 'message', text: m.text, textFormat: 'plain', locale: options.lang };
      case 'question':
        return questionActivity(m.question, t, options);
      case 'outcome':
        return {
          type: 'message',
          text: m.markdown,
          textFormat: 'markdown',
          locale: options.lang,
          attachments: [cardAttachment(outcomeCard(m.outcome, m.markdown, t, options.publicUrl ? { base: options.publicUrl, lang: options.lang } : undefined))],
          channelData: { ekey: { outcome: m.outcome.rule, procedures: m.outcome.procedures.map((p) => p.id) } },
        };
    }
  });
}
