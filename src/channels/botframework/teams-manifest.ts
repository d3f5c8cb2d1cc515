import { createI18n, type Translate, translator } from '../../i18n.js';
import type { Knowledge } from '../../knowledge/model.js';

/** The Teams app manifest schema this package follows (1.18 was never published). */
export const TEAMS_MANIFEST_VERSION = '1.19';
const SCHEMA_BASE = `https://developer.microsoft.com/en-us/json-schemas/teams/v${TEAMS_MANIFEST_VERSION}`;
/** Teams shows the manifest's own language unless the client's matches an additional one. */
const DEFAULT_LANGUAGE = 'zh-cn';
const ADDITIONAL_LANGUAGE = { tag: 'en', file: 'en.json' };
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TeamsManifestInput {
  /** The Azure Bot's Microsoft App ID: the Teams app id and the bot id. */
  appId: string | undefined;
  /** The app version, x.y.z. */
  version: string;
  /** The public https address of this service, if any: the developer site and a valid domain. */
  publicUrl?: string;
  privacyUrl?: string;
  termsUrl?: string;
  accentColor?: string;
}

export interface TeamsPackageFiles {
  manifest: Record<string, unknown>;
  /** Localization files by file name, beside manifest.json in the package. */
  localizations: Record<string, Record<string, unknown>>;
}

export class TeamsManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TeamsManifestError';
  }
}

function httpsUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(value) ? value : `https://${value}`);
  } catch {
    throw new TeamsManifestError(`${name}: "${value}" is not a URL`);
  }
  if (url.protocol !== 'https:') throw new TeamsManifestError(`${name}: Teams requires an https URL, got "${value}"`);
  return url.href;
}

interface Texts {
  'name.short': string;
  'name.full': string;
  'description.short': string;
  'description.full': string;
  commands: { title: string; description: string }[];
}

function texts(t: Translate): Texts {
  return {
    'name.short': t('ui:teams.shortName'),
    'name.full': t('ui:teams.fullName'),
    'description.short': t('ui:teams.shortDescription'),
    'description.full': t('ui:teams.fullDescription'),
    commands: [
      { title: t('ui:teams.commands.help.title'), description: t('ui:teams.commands.help.description') },
      { title: t('ui:teams.commands.back.title'), description: t('ui:teams.commands.back.description') },
      { title: t('ui:teams.commands.restart.title'), description: t('ui:teams.commands.restart.description') },
      { title: t('ui:teams.commands.human.title'), description: t('ui:teams.commands.human.description') },
    ],
  };
}

/** Teams refuses a package whose texts exceed these lengths; better to fail here, naming the key. */
const LIMITS: [keyof Omit<Texts, 'commands'>, number][] = [
  ['name.short', 30],
  ['name.full', 100],
  ['description.short', 80],
  ['description.full', 4000],
];

function checkLengths(x: Texts, lang: string): void {
  for (const [key, max] of LIMITS)
    if (x[key].length > max) throw new TeamsManifestError(`locales/${lang}/ui.json: the Teams ${key} is ${x[key].length} characters, at most ${max}`);
  for (const c of x.commands)
    if (c.title.length > 32 || c.description.length > 128)
      throw new TeamsManifestError(`locales/${lang}/ui.json: Teams command "${c.title}" is too long (title at most 32, description at most 128)`);
}

/** The manifest and its English localization, in Chinese by default since the app's users are Chinese enterprises. */
export function teamsManifest(k: Knowledge, input: TeamsManifestInput): TeamsPackageFiles {
  if (!input.appId) throw new TeamsManifestError("MicrosoftAppId is not set: the Teams app needs the Azure Bot's Microsoft App ID (see docs/botframework.md)");
  if (!GUID.test(input.appId)) throw new TeamsManifestError(`MicrosoftAppId "${input.appId}" is not a GUID such as 00000000-0000-0000-0000-000000000000`);
  if (!/^\d+\.\d+\.\d+$/.test(input.version)) throw new TeamsManifestError(`version "${input.version}" must be x.y.z`);

  const i18n = createI18n(k);
  const zh = texts(translator(i18n, 'zh-CN'));
  const en = texts(translator(i18n, 'en'));
  checkLengths(zh, 'zh-CN');
  checkLengths(en, 'en');

  const site = input.publicUrl ? httpsUrl(input.publicUrl, 'EKEY_PUBLIC_URL') : httpsUrl(k.contacts.serviceSite?.value ?? '', 'the serviceSite contact');
  const commandList = (x: Texts) => x.commands.map((c) => ({ title: c.title, description: c.description }));

  const manifest = {
    $schema: `${SCHEMA_BASE}/MicrosoftTeams.schema.json`,
    manifestVersion: TEAMS_MANIFEST_VERSION,
    version: input.version,
    id: input.appId,
    developer: {
      name: translator(i18n, 'zh-CN')('ui:teams.developerName'),
      websiteUrl: site,
      privacyUrl: input.privacyUrl ? httpsUrl(input.privacyUrl, 'privacy URL') : site,
      termsOfUseUrl: input.termsUrl ? httpsUrl(input.termsUrl, 'terms of use URL') : site,
    },
    name: { short: zh['name.short'], full: zh['name.full'] },
    description: { short: zh['description.short'], full: zh['description.full'] },
    icons: { color: 'color.png', outline: 'outline.png' },
    accentColor: input.accentColor ?? '#1F5FAD',
    localizationInfo: { defaultLanguageTag: DEFAULT_LANGUAGE, additionalLanguages: [{ languageTag: ADDITIONAL_LANGUAGE.tag, file: ADDITIONAL_LANGUAGE.file }] },
    bots: [
      {
        botId: input.appId,
        scopes: ['personal', 'groupChat', 'team'],
        supportsFiles: false,
        isNotificationOnly: false,
        commandLists: [{ scopes: ['personal', 'groupChat', 'team'], commands: commandList(zh) }],
      },
    ],
    validDomains: input.publicUrl ? [new URL(site).host] : [],
  };

  const localization: Record<string, unknown> = {
    $schema: `${SCHEMA_BASE}/MicrosoftTeams.Localization.schema.json`,
    'name.short': en['name.short'],
    'name.full': en['name.full'],
    'description.short': en['description.short'],
    'description.full': en['description.full'],
  };
  en.commands.forEach((c, i) => {
    localization[`bots[0].commandLists[0].commands[${i}].title`] = c.title;
    localization[`bots[0].commandLists[0].commands[${i}].description`] = c.description;
  });
  return { manifest, localizations: { [ADDITIONAL_LANGUAGE.file]: localization } };
}
