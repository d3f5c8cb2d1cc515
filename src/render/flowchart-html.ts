import type { ChartText } from '../flowcharts/chart-text.js';
import type { Translate } from '../i18n.js';
import type { Language } from '../knowledge/schema.js';
import { escapeHtml } from './html.js';
import { ACCESSIBLE_CONTROLS } from './page-style.js';

const STYLE = `
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; font-size: 18px; line-height: 1.6;
  color: #111; background: #fff; max-width: 60em; margin: 0 auto; padding: 12px 16px 32px; }
h1 { font-size: 1.5em; line-height: 1.3; margin: 0.4em 0; }
h2 { font-size: 1.25em; margin: 1.2em 0 0.4em; border-bottom: 2px solid #111; }
figure { margin: 0; }
img { display: block; max-width: 100%; height: auto; border: 1px solid #5a5a5a; }
ol.steps { padding-left: 0; list-style: none; }
ol.steps > li { margin: 0 0 0.8em; }
.actor { font-weight: bold; }
ol.steps ul { margin: 0.2em 0 0; padding-left: 1.4em; }
${ACCESSIBLE_CONTROLS}`;

export interface FlowchartPageInput {
  procedure: string;
  chart: ChartText;
  t: Translate;
  lang: Language;
  /** Whether the PNG can be drawn (a font with Chinese is installed). */
  png: boolean;
}

/**
 * A procedure's flowchart as a page: the picture, and under it the same chart in words as its text
 * alternative (the picture's boxes are too many for an alt text), with the SVG and PNG to download.
 */
export function flowchartHtml({ procedure, chart, t, lang, png }: FlowchartPageInput): string {
  const e = escapeHtml;
  const suffix = lang === 'en' ? '?lang=en' : '';
  const other = lang === 'en' ? '' : '?lang=en';
  const steps = chart.steps
    .map((s) => `<li>${e(s.text)} <span class="actor">【${e(s.actor)}】</span>${s.details.length ? `<ul>${s.details.map((d) => `<li>${e(d)}</li>`).join('')}</ul>` : ''}</li>`)
    .join('\n');
  return `<!doctype html>
<html lang="${e(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(chart.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${e(chart.title)}</h1>
<p class="controls"><a href="/flowcharts/${e(procedure)}.html${other}" hreflang="${lang === 'en' ? 'zh-CN' : 'en'}" lang="${lang === 'en' ? 'zh-CN' : 'en'}">${e(t('ui:flowchartPage.otherLanguage'))}</a><a href="/flowcharts/${e(procedure)}.svg${suffix}">${e(t('ui:flowchartPage.svg'))}</a>${png ? `<a href="/flowcharts/${e(procedure)}.png${suffix}">${e(t('ui:flowchartPage.png'))}</a>` : ''}</p>
<figure>
<img src="/flowcharts/${e(procedure)}.svg${suffix}" alt="${e(t('ui:flowchartPage.imageAlt', { title: chart.title }))}" aria-describedby="steps">
</figure>
<h2 id="steps-title">${e(t('ui:flowchartPage.steps'))}</h2>
<ol class="steps" id="steps" aria-labelledby="steps-title">
${steps}
</ol>
</main>
</body>
</html>
`;
}
