import { Resvg } from '@resvg/resvg-js';
import JSZip from 'jszip';
import type { Knowledge } from '../../knowledge/model.js';
import { type TeamsManifestInput, teamsManifest } from './teams-manifest.js';

/** A key on a 32-unit grid: ring-shaped head, shaft, two teeth. */
const KEY_PATH = 'M10 9.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13z M10 13a3 3 0 1 1 0 6a3 3 0 1 1 0-6z M16 14.5h12v3h-1.5v4h-3v-4h-1.5v3h-3v-3h-3z';

/** Teams' outline icon: 32x32, white on transparent. */
export function outlineSvg(): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32"><path fill="#FFFFFF" fill-rule="evenodd" d="${KEY_PATH}"/></svg>`;
}

/** Teams' colour icon: 192x192, the key in white on the accent colour. */
export function colorSvg(accent: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="192" height="192" viewBox="0 0 192 192"><rect width="192" height="192" rx="36" fill="${accent}"/><g transform="translate(24 24) scale(4.5)"><path fill="#FFFFFF" fill-rule="evenodd" d="${KEY_PATH}"/></g></svg>`;
}

export function png(svg: string, size: number): Buffer {
  return new Resvg(svg, { fitTo: { mode: 'width', value: size }, background: 'rgba(0,0,0,0)' }).render().asPng();
}

/** The Teams app package: manifest.json, its localization, and the two icons, zipped flat as Teams expects. */
export async function buildTeamsPackage(k: Knowledge, input: TeamsManifestInput): Promise<Buffer> {
  const { manifest, localizations } = teamsManifest(k, input);
  const zip = new JSZip();
  zip.file('manifest.json', JSON.stringify(manifest, null, 2));
  for (const [name, content] of Object.entries(localizations)) zip.file(name, JSON.stringify(content, null, 2));
  zip.file('color.png', png(colorSvg(String(manifest.accentColor)), 192));
  zip.file('outline.png', png(outlineSvg(), 32));
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}
