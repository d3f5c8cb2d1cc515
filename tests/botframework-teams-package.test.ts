import { spawnSync } from 'node:child_process';
import { Resvg } from '@resvg/resvg-js';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { buildTeamsPackage, outlineSvg } from '../src/channels/botframework/teams-package.js';
import { TeamsManifestError, teamsManifest } from '../src/channels/botframework/teams-manifest.js';
import { PROJECT_ROOT } from '../src/knowledge/load.js';
import { conversation, knowledge } from './helpers.js';

const APP_ID = '0a1b2c3d-0000-4000-8000-00000000e1e1';

function pngSize(png: Buffer): { width: number; height: number; colourType: number } {
  expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), colourType: png[25] ?? -1 };
}

describe('the Teams app package', async () => {
  const zip = await JSZip.loadAsync(await buildTeamsPackage(knowledge(), { appId: APP_ID, version: '1.2.3', publicUrl: 'https://ekey.example.test/' }));
  const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as Record<string, any>;

  it('holds the manifest, its English localization and the two icons, flat', () => {
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'en.json', 'manifest.json', 'outline.png']);
  });

  it('has a manifest of schema 1.19 whose app id and bot id are the Microsoft App ID', () => {
    expect(manifest.manifestVersion).toBe('1.19');
    expect(manifest.$schema).toBe('https://developer.microsoft.com/en-us/json-schemas/teams/v1.19/MicrosoftTeams.schema.json');
    expect(manifest.id).toBe(APP_ID);
    expect(manifest.version).toBe('1.2.3');
    expect(manifest.bots).toHaveLength(1);
    expect(manifest.bots[0]).toMatchObject({ botId: APP_ID, scopes: expect.arrayContaining(['personal']) });
    expect(manifest.icons).toEqual({ color: 'color.png', outline: 'outline.png' });
    expect(manifest.accentColor).toMatch(/^#[0-9A-F]{6}$/i);
    for (const url of Object.values(manifest.developer as Record<string, string>).slice(1)) expect(url).toMatch(/^https:\/\//);
    expect(manifest.validDomains).toEqual(['ekey.example.test']);
    expect(manifest.name.short.length).toBeLessThanOrEqual(30);
    expect(manifest.description.short.length).toBeLessThanOrEqual(80);
    expect(manifest.developer.name.length).toBeLessThanOrEqual(32);
  });

  it('is Chinese by default with an English localization of the same schema version', async () => {
    const c = conversation();
    const t = (lang: 'zh-CN' | 'en') => c.t(lang);
    expect(manifest.name.short).toBe(t('zh-CN')('ui:teams.shortName'));
    expect(manifest.localizationInfo).toEqual({ defaultLanguageTag: 'zh-cn', additionalLanguages: [{ languageTag: 'en', file: 'en.json' }] });
    const en = JSON.parse(await zip.file('en.json')!.async('string')) as Record<string, string>;
    expect(en.$schema).toBe('https://developer.microsoft.com/en-us/json-schemas/teams/v1.19/MicrosoftTeams.Localization.schema.json');
    expect(en['name.short']).toBe(t('en')('ui:teams.shortName'));
    const commands = manifest.bots[0].commandLists[0].commands as { title: string }[];
    commands.forEach((cmd, i) => expect(en[`bots[0].commandLists[0].commands[${i}].title`]).toBeTruthy());
  });

  it('has a 192x192 colour icon and a 32x32 outline icon, both RGBA', async () => {
    expect(pngSize(await zip.file('color.png')!.async('nodebuffer'))).toEqual({ width: 192, height: 192, colourType: 6 });
    expect(pngSize(await zip.file('outline.png')!.async('nodebuffer'))).toEqual({ width: 32, height: 32, colourType: 6 });
  });

  it('draws the outline icon white on transparent, as Teams requires', () => {
    const img = new Resvg(outlineSvg(), { fitTo: { mode: 'width', value: 32 }, background: 'rgba(0,0,0,0)' }).render();
    const px = img.pixels;
    let opaque = 0;
    for (let i = 0; i < px.length; i += 4) {
      const alpha = px[i + 3] ?? 0;
      if (alpha === 0) continue;
      opaque += 1;
      // Premultiplied or not, a white pixel has equal channels at its alpha.
      expect([px[i], px[i + 1], px[i + 2]].every((v) => v === 255 || (v !== undefined && Math.abs(v - alpha) <= 1))).toBe(true);
    }
    expect(opaque).toBeGreaterThan(50);
    expect(opaque).toBeLessThan(32 * 32);
  });
});

describe('without a usable app id', () => {
  it('refuses with a message naming MicrosoftAppId', () => {
    expect(() => teamsManifest(knowledge(), { appId: undefined, version: '1.0.0' })).toThrow(TeamsManifestError);
    expect(() => teamsManifest(knowledge(), { appId: undefined, version: '1.0.0' })).toThrow(/MicrosoftAppId is not set/);
    expect(() => teamsManifest(knowledge(), { appId: 'my-bot', version: '1.0.0' })).toThrow(/not a GUID/);
    expect(() => teamsManifest(knowledge(), { appId: APP_ID, version: '1.0.0', publicUrl: 'http://plain.example.test' })).toThrow(/https/);
  });

  it('`npm run teams:package` exits 1 with that message, no stack', () => {
    const env = { ...process.env };
    delete env.MicrosoftAppId;
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/teams-package.ts'], { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('MicrosoftAppId is not set');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
