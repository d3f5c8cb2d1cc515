import { textWidth, wrap } from './text-metrics.js';

/** A DOT quoted string. */
export function quoted(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface Box {
  lines: string[];
  /** Points, as Graphviz measures. */
  width: number;
  height: number;
}

export const FONT_SIZE = 14;
const LINE = 1.35;

/** Text wrapped to a width in em and the box it needs at the chart's font size, padding included. */
export function box(text: string, maxEm: number, fontSize = FONT_SIZE, padding = 10): Box {
  const lines = wrap(text, maxEm);
  const widest = Math.max(...lines.map(textWidth));
  return { lines, width: widest * fontSize + 2 * padding, height: lines.length * fontSize * LINE + 2 * padding };
}

/** Node attributes that fix its size to the measured box, so Graphviz's own guess of the text width does not matter. */
export function sizedLabel(b: Box): string {
  return `label=${quoted(b.lines.join('\n'))}, width=${(b.width / 72).toFixed(3)}, height=${(b.height / 72).toFixed(3)}, fixedsize=true`;
}

/**
 * An HTML-like label in a cell of fixed size, for edges and clusters, where Graphviz has no fixedsize.
 * Lines start at the cell's left edge: Graphviz places HTML text from its own (too narrow) width guess,
 * so centring would push real Chinese text out to the right; the cell is as wide as the widest line.
 */
export function cellLabel(b: Box, opts: { bold?: boolean; fontSize?: number } = {}): string {
  const lines = b.lines.map(html).join('<BR/>');
  const text = opts.bold ? `<B>${lines}</B>` : lines;
  const font = opts.fontSize ? `<FONT POINT-SIZE="${opts.fontSize}">${text}</FONT>` : text;
  return `<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"><TR><TD FIXEDSIZE="TRUE" ALIGN="LEFT" BALIGN="LEFT" WIDTH="${Math.ceil(b.width)}" HEIGHT="${Math.ceil(b.height)}">${font}</TD></TR></TABLE>>`;
}
