import { Recent } from '../understand/recent.js';

/**
 * The small part of Adaptive Cards 1.5 the assistant uses, as plain JSON types. Kept apart from any SDK
 * so that every channel (Bot Framework, Direct Line, Web Chat) can send the same cards.
 */
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const ADAPTIVE_CARD_VERSION = '1.5';

/**
 * What a card button sends back: the question it answers (so that an old card cannot answer a newer
 * question), the question whose answer is to be changed, or one of the conversation's commands.
 */
export type ButtonData = { question: string; answer: string } | { change: string } | { command: 'back' | 'restart' | 'human' | 'status' };

export interface SubmitAction {
  type: 'Action.Submit';
  title: string;
  data: ButtonData;
}

export interface TextBlock {
  type: 'TextBlock';
  id?: string;
  text: string;
  wrap: true;
  size?: 'Small' | 'Default' | 'Medium' | 'Large' | 'ExtraLarge';
  weight?: 'Lighter' | 'Default' | 'Bolder';
  isSubtle?: boolean;
  spacing?: 'None' | 'Small' | 'Default' | 'Medium' | 'Large';
  separator?: boolean;
  /** Adaptive Cards 1.5: a heading is given role="heading" with the host config's level. */
  style?: 'default' | 'heading';
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

/**
 * Opens a collapsible section (the steps, the notes and contacts) under its button without a round trip.
 * Not Action.ToggleVisibility: its SDK marks the shown container aria-expanded (not allowed on a plain
 * group) and leaves the button without state, where a shown card's button carries aria-expanded itself.
 */
export interface ShowCardAction {
  type: 'Action.ShowCard';
  title: string;
  card: AdaptiveCard;
}

export type CardAction = SubmitAction | OpenUrlAction | ShowCardAction;

export interface ActionSet {
  type: 'ActionSet';
  actions: CardAction[];
  spacing?: TextBlock['spacing'];
}

export interface Column {
  type: 'Column';
  width: 'auto' | 'stretch';
  items: CardElement[];
  verticalContentAlignment?: 'Top' | 'Center' | 'Bottom';
}

export interface ColumnSet {
  type: 'ColumnSet';
  columns: Column[];
  spacing?: TextBlock['spacing'];
}

export type CardElement = TextBlock | ToggleInput | Container | ActionSet | ColumnSet;

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

/**
 * A text block of the service's own words. Hosts read a TextBlock as Markdown, so its marks are escaped
 * ("O=*****" stays as the handbook writes it, "3. …" stays step 3) and addresses become links of
 * exactly their own characters, never of the words around them.
 */
export function textBlock(text: string, style: Omit<TextBlock, 'type' | 'text' | 'wrap'> = {}): TextBlock {
  return { type: 'TextBlock', text: cardText(text), wrap: true, ...style };
}

const ADDRESS = /(?:https?:\/\/|www\.)[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]*[A-Za-z0-9/_~#=&-]/g;

function escapeMarks(text: string): string {
  return text
    .replace(/[\\`*_[\]~<>|]/g, '\\$&')
    .replace(/^(\s*)(\d+)([.)])(?=\s|$)/gm, '$1$2\\$3')
    .replace(/^(\s*)([-+#>=])/gm, '$1\\$2');
}

/** An outcome's card is made of the same few hundred texts every time: their card form is kept. */
const CARD_TEXTS = 20_000;
const cardTexts = new Recent<string, string>(CARD_TEXTS);

/** Plain words as card Markdown: marks escaped, web addresses as links that hold nothing but the address. */
export function cardText(text: string): string {
  return cardTexts.get(text, toCardText);
}

function toCardText(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(ADDRESS)) {
    const at = m.index ?? 0;
    out += escapeMarks(text.slice(last, at));
    const href = m[0].startsWith('www.') ? `http://${m[0]}` : m[0];
    out += `[${escapeMarks(m[0])}](${href.replace(/[()\s]/g, encodeURIComponent)})`;
    last = at + m[0].length;
  }
  return out + escapeMarks(text.slice(last));
}

/**
 * A section's title, a heading for screen readers to move between. Adaptive Cards give it role="heading"
 * with the level of the host config (`textBlock.headingLevel`): Web Chat's default config and Teams' have
 * one, and the demo page's own config sets it (web/app.js), since a heading without aria-level is one a
 * screen reader cannot place.
 */
export function heading(text: string): TextBlock {
  return textBlock(text, { weight: 'Bolder', size: 'Medium', spacing: 'Medium', style: 'heading' });
}
