import { Resvg } from '@resvg/resvg-js';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consultation } from '../src/consult/consultation.js';
import { enumeratePaths } from '../src/consult/enumerate.js';
import { flowchartRoutes } from '../src/channels/http/flowcharts-route.js';
import { decisionDot } from '../src/flowcharts/decision-graph.js';
import { Flowcharts } from '../src/flowcharts/flowcharts.js';
import { type ChartFonts, findChartFonts } from '../src/flowcharts/fonts.js';
import { layoutSvg } from '../src/flowcharts/layout.js';
import { textWidth } from '../src/flowcharts/text-metrics.js';
import { escapeHtml } from '../src/render/html.js';
import { LANGUAGES, type Language } from '../src/knowledge/schema.js';
import { type RunningServer, startServer } from './directline-helpers.js';
import { conversation, knowledge } from './helpers.js';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');

const k = knowledge();
const charts = new Flowcharts(k);
const procedures = [...k.procedures.values()];
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', textNodeName: '#text', isArray: (name) => ['g', 'text', 'title'].includes(name) });

interface Label {
  text: string;
  x: number;
  y: number;
  anchor: string;
  size: number;
}

/** Every <text> of a Graphviz SVG with its position, and the translate of the graph group. */
function labels(svg: string): { labels: Label[]; translate: [number, number]; viewWidth: number } {
  const translate = /translate\(([-\d.]+)[ ,]([-\d.]+)\)/.exec(svg);
  const viewBox = /viewBox="[-\d.]+ [-\d.]+ ([\d.]+) [\d.]+"/.exec(svg);
  const out: Label[] = [];
  for (const m of svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)) {
    const attr = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(m[1] as string)?.[1];
    const text = (m[2] as string)
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#45;/g, '-');
    out.push({ text, x: Number(attr('x')), y: Number(attr('y')), anchor: attr('text-anchor') ?? 'start', size: Number(attr('font-size') ?? 14) });
  }
  return { labels: out, translate: [Number(translate?.[1] ?? 0), Number(translate?.[2] ?? 0)], viewWidth: Number(viewBox?.[1] ?? 0) };
}

const CJK = /[\u3400-\u9fff]/g;
const darkPixels = (pixels: Buffer, width: number, box?: [number, number, number, number]) => {
  let n = 0;
  const [x0, y0, x1, y1] = box ?? [0, 0, width, pixels.length / 4 / width];
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(pixels.length / 4 / width, Math.ceil(y1)); y++)
    for (let x = Math.max(0, Math.floor(x0)); x < Math.min(width, Math.ceil(x1)); x++) {
      const i = (y * width + x) * 4;
      if ((pixels[i] as number) + (pixels[i + 1] as number) + (pixels[i + 2] as number) < 3 * 160) n += 1;
    }
  return n;
};

function render(svg: string, fonts: ChartFonts) {
  const source = fonts.family ? svg.replace(/(<svg[^>]*?) font-family="[^"]*"/, `$1 font-family="${fonts.family}"`) : svg;
  const image = new Resvg(source, {
    background: '#ffffff',
    font: { fontFiles: fonts.files, loadSystemFonts: false, ...(fonts.family ? { defaultFontFamily: fonts.family } : {}) },
  }).render();
  return { pixels: image.pixels, width: image.width, height: image.height };
}

describe('procedure flowcharts', () => {
  const fonts = findChartFonts();

  it('has a font with Chinese to draw the PNGs with (CI installs fonts-droid-fallback)', () => {
    expect(fonts, 'no font with Chinese found: install fonts-droid-fallback (Debian) or set EKEY_CJK_FONT').toBeDefined();
  });

  it('the font draws real Chinese glyphs, not one box for every character', () => {
    const one = (ch: string) => {
      const r = render(`<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><text x="4" y="30" font-size="28">${ch.repeat(3)}</text></svg>`, fonts as ChartFonts);
      return darkPixels(r.pixels, r.width);
    };
    expect(one('龍')).toBeGreaterThan(3 * one('一'));
  });

  for (const p of procedures)
    for (const lang of LANGUAGES)
      it(`${p.id} (${lang}): valid SVG drawn from the steps, actors, verifications and stages`, async () => {
        const { body: svg } = await charts.svg(p.id, lang);
        expect(XMLValidator.validate(svg)).toBe(true);
        const doc = parser.parse(svg) as { svg: { g: { g: { class: string; title: string[] }[] }[] } };
        const groups = doc.svg.g[0]?.g ?? [];
        const titles = (cls: string) => groups.filter((g) => g.class === cls).map((g) => String(g.title[0]).replace(/&#45;/g, '-').replace(/&gt;/g, '>'));
        // A box per step, a decision per verification, the handbook's side boxes, start and end.
        expect(titles('node').sort()).toEqual(
          [
            ...p.steps.map((_, i) => `step${i}`),
            ...p.steps.flatMap((s, i) => (s.onFail ? [`check${i}`] : [])),
            ...p.steps.flatMap((s, i) => (s.asides ?? []).map((_, j) => `aside${i}_${j}`)),
            'start',
            'end',
          ].sort(),
        );
        // Every verification has its way back to the step to resubmit, dashed.
        for (const [i, s] of p.steps.entries()) {
          if (!s.onFail) continue;
          const back = p.steps.findIndex((x) => x.id === s.onFail);
          expect(titles('edge')).toContain(`check${i}->step${back}`);
        }
        // One lane per actor that acts, one box per stage with its working days.
        const lanes = [...new Set(p.steps.map((s) => s.actor))];
        expect(
          titles('cluster')
            .filter((c) => /^cluster_[a-z]+$/.test(c))
            .sort(),
        ).toEqual(lanes.map((a) => `cluster_${a}`).sort());
        const t = conversation().t(lang as Language);
        const text = labels(svg)
          .labels.map((l) => l.text)
          .join('');
        for (const stage of p.stages) expect(text.replace(/\s/g, '')).toContain(t('common:workingDays', { count: stage.workingDays }).replace(/\s/g, ''));
        for (const a of lanes) expect(text).toContain(t(`common:actor.${a}`));
      });

  for (const p of procedures)
    it(`${p.id}: the PNG is not blank and every Chinese label is drawn`, async () => {
      const png = await charts.png(p.id, 'zh-CN');
      expect(png).toBeDefined();
      const body = (await png)?.body as Buffer;
      expect(body.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
      expect(body.readUInt32BE(16)).toBeGreaterThan(400);
      expect(body.readUInt32BE(20)).toBeGreaterThan(400);

      // The same chart with its text alone: each label must leave ink where it stands, in proportion to its characters.
      const { body: svg } = await charts.svg(p.id, 'zh-CN');
      const { labels: all, translate, viewWidth } = labels(svg);
      const textOnly = svg.replace(/<(polygon|path|ellipse|polyline)[^>]*\/>/g, '');
      const r = render(textOnly, fonts as ChartFonts);
      const shapesOnly = render(svg.replace(/<text[^>]*>[^<]*<\/text>/g, ''), fonts as ChartFonts);
      const full = render(svg, fonts as ChartFonts);
      expect(darkPixels(full.pixels, full.width)).toBeGreaterThan(darkPixels(shapesOnly.pixels, shapesOnly.width) * 1.5);
      // Graphviz sizes the drawing in points; the rasteriser draws points as 4/3 pixels.
      const scale = r.width / viewWidth;
      const chinese = all.filter((l) => (l.text.match(CJK) ?? []).length > 0);
      expect(chinese.length).toBeGreaterThan(p.steps.length);
      for (const l of chinese) {
        const w = textWidth(l.text) * l.size;
        const left = l.anchor === 'middle' ? l.x - w / 2 : l.anchor === 'end' ? l.x - w : l.x;
        const box = [left + translate[0] - 2, l.y + translate[1] - l.size, left + w + translate[0] + 2, l.y + translate[1] + l.size * 0.3].map((v) => v * scale) as [
          number,
          number,
          number,
          number,
        ];
        const ink = darkPixels(r.pixels, r.width, box);
        const chars = (l.text.match(CJK) ?? []).length;
        expect(ink, `label "${l.text}" drew ${ink} dark pixels for ${chars} Chinese characters`).toBeGreaterThanOrEqual(chars * 15);
      }
    });
});

describe('flowchart routes', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({}, {}, () => [flowchartRoutes(charts)]);
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves SVG and PNG, in Chinese by default and in English with ?lang=en, cached with an ETag', async () => {
    const zh = await fetch(`${server.url}/flowcharts/unlock.svg`);
    expect(zh.status).toBe(200);
    expect(zh.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const zhText = await zh.text();
    expect(zhText).toContain('发证机构（审批机关）');
    const en = await (await fetch(`${server.url}/flowcharts/unlock.svg?lang=en`)).text();
    expect(en).toContain('Issuing authority');
    const again = await fetch(`${server.url}/flowcharts/unlock.svg`, { headers: { 'If-None-Match': zh.headers.get('etag') as string } });
    expect(again.status).toBe(304);
    const png = await fetch(`${server.url}/flowcharts/unlock.png?lang=en`);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(png.headers.get('cache-control')).toContain('max-age');
  });

  it('serves the page the chat links: the picture with every step in words under it, in either language, loading nothing from elsewhere', async () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      const res = await fetch(`${server.url}/flowcharts/unlock.html${lang === 'en' ? '?lang=en' : ''}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toContain("img-src 'self'");
      const html = await res.text();
      expect(html).toContain(`<html lang="${lang}">`);
      expect(html).toMatch(new RegExp(`<img src="/flowcharts/unlock\\.svg${lang === 'en' ? '\\?lang=en' : ''}" alt="[^"]+" aria-describedby="steps">`));
      const t = conversation().t(lang);
      for (const s of k.procedures.get('unlock')?.steps ?? []) expect(html).toContain(escapeHtml(t(`procedures:unlock.steps.${s.id}`)));
      expect(html).not.toMatch(/<script/i);
    }
  });

  it('refuses unknown procedures, formats and languages with a reason', async () => {
    for (const [path, status] of [
      ['/flowcharts/nope.svg', 404],
      ['/flowcharts/unlock.gif', 404],
      ['/flowcharts/..%2Fpackage.json', 404],
      ['/flowcharts/unlock.svg?lang=fr', 400],
    ] as const) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(status);
      expect(((await res.json()) as { message: string }).message.length).toBeGreaterThan(0);
    }
  });
});

describe('npm run graph: the decision flow', () => {
  it('draws every question, every answer path and every outcome rule', async () => {
    const paths = await enumeratePaths(new Consultation(k));
    const dot = decisionDot(k, paths, conversation().t('zh-CN'));
    // An unprompted question is said, never asked: its answers start paths, it is no box of its own.
    for (const q of k.questions.values()) if (!q.unprompted) expect(dot).toContain(`q_${q.id} [`);
    for (const r of k.rules) expect(dot).toContain(`o_${r.name.replace(/[^a-zA-Z0-9]/g, '_')} [`);
    const svg = await layoutSvg(dot, 'decisions');
    expect(XMLValidator.validate(svg)).toBe(true);
  });
});
