import { createHash } from 'node:crypto';
import { createI18n, translator } from '../i18n.js';
import type { Knowledge } from '../knowledge/model.js';
import type { Language } from '../knowledge/schema.js';
import { type ChartText, chartText } from './chart-text.js';
import { type ChartFonts, findChartFonts } from './fonts.js';
import { layoutSvg } from './layout.js';
import { procedureDot, WIDTHS } from './procedure-chart.js';
import { svgToPng } from './rasterise.js';

export interface Chart<T> {
  body: T;
  etag: string;
}

const etag = (data: string | Buffer) => `"${createHash('sha256').update(data).digest('base64url').slice(0, 27)}"`;

/**
 * Every procedure's flowchart, drawn on first request and kept: the knowledge does not change while the
 * service runs, and there are only procedures x languages x formats of them.
 */
export class Flowcharts {
  private readonly svgs = new Map<string, Promise<Chart<string>>>();
  private readonly pngs = new Map<string, Promise<Chart<Buffer>>>();
  private readonly i18n;
  readonly fonts: ChartFonts | undefined;

  constructor(
    private readonly knowledge: Knowledge,
    fontFile?: string,
  ) {
    this.i18n = createI18n(knowledge);
    this.fonts = findChartFonts(fontFile);
  }

  has(procedure: string): boolean {
    return this.knowledge.procedures.has(procedure);
  }

  procedures(): string[] {
    return [...this.knowledge.procedures.keys()];
  }

  dot(procedure: string, lang: Language): string {
    const p = this.knowledge.procedures.get(procedure);
    if (!p) throw new Error(`no procedure ${procedure}`);
    return procedureDot(p, translator(this.i18n, lang), WIDTHS[lang]);
  }

  /** The chart in words: its text alternative. */
  text(procedure: string, lang: Language): ChartText {
    const p = this.knowledge.procedures.get(procedure);
    if (!p) throw new Error(`no procedure ${procedure}`);
    return chartText(p, translator(this.i18n, lang));
  }

  svg(procedure: string, lang: Language): Promise<Chart<string>> {
    const key = `${procedure}:${lang}`;
    let chart = this.svgs.get(key);
    if (!chart) {
      const t = translator(this.i18n, lang);
      const p = this.knowledge.procedures.get(procedure);
      const title = t('ui:flowchart.title', { title: t(`procedures:${procedure}.title`), section: p?.section ?? '' });
      chart = layoutSvg(this.dot(procedure, lang), title).then((body) => ({ body, etag: etag(body) }));
      // A failure is not kept: the next request tries again.
      chart.catch(() => this.svgs.delete(key));
      this.svgs.set(key, chart);
    }
    return chart;
  }

  /** The PNG, or undefined when no font with Chinese is installed (a PNG without its labels would mislead). */
  png(procedure: string, lang: Language): Promise<Chart<Buffer>> | undefined {
    const fonts = this.fonts;
    if (!fonts) return undefined;
    const key = `${procedure}:${lang}`;
    let chart = this.pngs.get(key);
    if (!chart) {
      chart = this.svg(procedure, lang)
        .then((svg) => svgToPng(svg.body, fonts))
        .then((body) => ({ body, etag: etag(body) }));
      chart.catch(() => this.pngs.delete(key));
      this.pngs.set(key, chart);
    }
    return chart;
  }
}
