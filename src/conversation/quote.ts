/** How much of a message is said back when it was not understood. */
const QUOTE_LENGTH = 60;

/**
 * The user's words said back in the bot's own bubble, made inert: markup characters blanked (a host that
 * reads Markdown anyway cannot be made to post a link or emphasis), and every character that joins an
 * address ("." ":" "/" "@") preceded by a zero-width space, so that no client turns "https://x.example" or
 * "x.example" into a link that looks as if the service had sent it. The words read the same.
 */
export function inertQuote(text: string): string {
  return text
    .slice(0, QUOTE_LENGTH)
    .replace(/[[\]()<>*_`~#|\\!]/g, ' ')
    .trim()
    .replace(/[.:/@]/g, '\u200B$&');
}
