import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTeamsPackage } from '../src/channels/botframework/teams-package.js';
import { TeamsManifestError } from '../src/channels/botframework/teams-manifest.js';
import { KnowledgeError } from '../src/knowledge/errors.js';
import { loadKnowledge, PROJECT_ROOT } from '../src/knowledge/load.js';

/**
 * `npm run teams:package`: dist/teams/ekey-assistant-teams.zip for Teams (Upload a custom app, or the
 * Teams admin centre). The app id is the Azure Bot's MicrosoftAppId from the environment.
 */
try {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  const env = process.env;
  const zip = await buildTeamsPackage(loadKnowledge(), {
    appId: env.MicrosoftAppId?.trim() || undefined,
    version: env.TEAMS_APP_VERSION?.trim() || pkg.version,
    publicUrl: env.EKEY_PUBLIC_URL?.trim() || undefined,
    privacyUrl: env.TEAMS_PRIVACY_URL?.trim() || undefined,
    termsUrl: env.TEAMS_TERMS_URL?.trim() || undefined,
  });
  const dir = join(PROJECT_ROOT, 'dist', 'teams');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'ekey-assistant-teams.zip');
  writeFileSync(file, zip);
  process.stdout.write(`Teams app package written: ${file}\n`);
} catch (err) {
  if (!(err instanceof TeamsManifestError || err instanceof KnowledgeError)) throw err;
  process.stderr.write(`teams:package: ${err.message}\n`);
  process.exit(1);
}
