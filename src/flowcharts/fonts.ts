import { existsSync } from 'node:fs';

/**
 * Where a font with Chinese characters is usually installed: Debian's fonts-droid-fallback (what .ci/run
 * installs), fonts-wqy-microhei, fonts-wqy-zenhei and fonts-noto-cjk, other Linux layouts, macOS and
 * Windows. A rasteriser without such a font draws nothing at all for Chinese, so the PNG charts depend on
 * finding one. Smaller files come first: resvg reads the font file again for every text element, so a
 * 4 MB font draws a chart in about a second where the 17 MB Zen Hei takes ten.
 */
const CJK = [
  '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf',
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc',
  '/System/Library/Fonts/PingFang.ttc',
  '/System/Library/Fonts/STHeiti Medium.ttc',
  'C:\\Windows\\Fonts\\msyh.ttc',
  'C:\\Windows\\Fonts\\simhei.ttf',
];

/** Droid Sans Fallback has no Latin letters: a Latin sans-serif (regular and bold) goes with it. */
const LATIN: { family: string; files: string[] }[] = [
  { family: 'Liberation Sans', files: ['/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf', '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf'] },
  { family: 'DejaVu Sans', files: ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'] },
  { family: 'Arial', files: ['C:\\Windows\\Fonts\\arial.ttf', 'C:\\Windows\\Fonts\\arialbd.ttf'] },
  { family: 'Helvetica', files: ['/System/Library/Fonts/Helvetica.ttc'] },
];

export interface ChartFonts {
  /** Font files to load: a Latin family first where one is found, then the font with Chinese. */
  files: string[];
  /** The family that draws Latin text; Chinese falls back to the other file. */
  family?: string;
}

/** The fonts to draw the PNG charts with: the configured Chinese font (EKEY_CJK_FONT) or the first found. */
export function findChartFonts(configured?: string): ChartFonts | undefined {
  const cjk = configured ? (existsSync(configured) ? configured : undefined) : CJK.find((f) => existsSync(f));
  if (!cjk) return undefined;
  const latin = LATIN.map((l) => ({ family: l.family, files: l.files.filter((f) => existsSync(f)) })).find((l) => l.files.length > 0);
  return latin ? { files: [...latin.files, cjk], family: latin.family } : { files: [cjk] };
}
