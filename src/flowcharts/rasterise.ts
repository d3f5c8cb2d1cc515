import type { ChartFonts } from './fonts.js';

/**
 * SVG -> PNG with resvg at twice the size, for channels that cannot show SVG. Only the given fonts are
 * loaded (no system scan), so the result is the same on every machine that has those files. The SVG's
 * own font list names browser fonts; here its text is drawn in the Latin family, and every character
 * that family lacks falls back to the Chinese font.
 */
export async function svgToPng(svg: string, fonts: ChartFonts, zoom = 2): Promise<Buffer> {
  const source = fonts.family ? svg.replace(/(<svg[^>]*?) font-family="[^"]*"/, `$1 font-family="${fonts.family}"`) : svg;
  // A native addon of some 10 MB, loaded with the first PNG rather than with the service.
  const { renderAsync } = await import('@resvg/resvg-js');
  const image = await renderAsync(source, {
    background: '#ffffff',
    fitTo: { mode: 'zoom', value: zoom },
    font: { fontFiles: fonts.files, loadSystemFonts: false, ...(fonts.family ? { defaultFontFamily: fonts.family, sansSerifFamily: fonts.family } : {}) },
  });
  return image.asPng();
}
