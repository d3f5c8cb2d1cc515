import { escapeMarkdown } from './markdown-escape.js';

/**
 * The small part of Adaptive Cards 1.5 the assistant uses, as plain JSON types. Kept apart from any SDK
 * so that every channel (Bot Framework, Direct Line, Web Chat) can send the same cards.
 */
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const ADAPTIVE_CARD_VERSION = '1.5';

/** What a card button sends back: the question it answers, so that an old card cannot answer a newer question. */
export interface ButtonData {
  question: string;
  answer: string;
}

export interface SubmitAction {
  type: 'Action.Submit';
  title: string;
  data: ButtonData;
}

export interface TextBlock {
  type: 'TextBlock';
  text: string;
  wrap: true;
  size?: 'Small' | 'Default' | 'Medium' | 'Large' | 'ExtraLarge';
  weight?: 'Lighter' | 'Default' | 'Bolder';
  isSubtle?: boolean;
  spacing?: 'None' | 'Small' | 'Default' | 'Medium' | 'Large';
  separator?: boolean;
  style?: 'heading';
}

export interface ToggleInput {
  type: 'Input.Toggle';
  id: string;
  title: string;
  wrap: true;
  value: 'false';
  valueOn: 'true';
  valueOff: 'false';
  spacing?: TextBlock['spacing'];
}

export interface Container {
  type: 'Container';
  items: CardElement[];
  spacing?: TextBlock['spacing'];
  separator?: boolean;
  style?: 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent';
}

export interface OpenUrlAction {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
}

export interface ActionSet {
  type: 'ActionSet';
  actions: (SubmitAction | OpenUrlAction)[];
  spacing?: TextBlock['spacing'];
}

export type CardElement = TextBlock | ToggleInput | Container | ActionSet;

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: typeof ADAPTIVE_CARD_SCHEMA;
  version: typeof ADAPTIVE_CARD_VERSION;
  fallbackText?: string;
  speak?: string;
  body: CardElement[];
  actions?: SubmitAction[];
}

export function adaptiveCard(body: CardElement[], extra: Partial<Pick<AdaptiveCard, 'fallbackText' | 'speak'>> = {}): AdaptiveCard {
  return { type: 'AdaptiveCard', $schema: ADAPTIVE_CARD_SCHEMA, version: ADAPTIVE_CARD_VERSION, ...extra, body };
}

/** A TextBlock's text is Markdown to Web Chat and Teams: the words are escaped to be shown as written. */
export function textBlock(text: string, style: Omit<TextBlock, 'type' | 'text' | 'wrap'> = {}): TextBlock {
  return { type: 'TextBlock', text: escapeMarkdown(text), wrap: true, ...style };
}

export function heading(text: string): TextBlock {
  return textBlock(text, { weight: 'Bolder', size: 'Medium', spacing: 'Medium', style: 'heading' });
}
