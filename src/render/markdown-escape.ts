/**
 * The characters Markdown reads as emphasis or code, escaped so that text from the knowledge reads as
 * written ("O=*****" in the 4.3.1 guide is the subject field, not emphasis). Addresses are left whole:
 * an escaped address would no longer be a link.
 */
const SPECIAL = /[\\*_`]/g;
const ADDRESS = /((?:https?:\/\/|www\.)[^\s（）()“”]+)/;

export function escapeMarkdown(text: string): string {
  return text
    .split(ADDRESS)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(SPECIAL, '\\$&')))
    .join('');
}

/** The escapes undone, for channels that show the text as it is (terminal, WeChat, a card's fallback). */
export function unescapeMarkdown(text: string): string {
  return text.replace(/\\([\\*_`])/g, '$1');
}
