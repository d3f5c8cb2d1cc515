import { parseArgs } from 'node:util';
import { Conversation } from '../conversation/conversation.js';
import { loadKnowledge } from '../knowledge/load.js';
import { LANGUAGES, type Language } from '../knowledge/schema.js';
import { runGuide } from '../channels/console/guide.js';
import { ServiceCaseDesk } from '../conversation/service-case-desk.js';
import { FileCaseStore } from '../cases/file-store.js';
import { CaseService } from '../cases/service.js';
import { loadConfig } from '../config.js';
import { CliExit, runCli } from './run.js';

await runCli(async () => {
  const { values } = parseArgs({ options: { lang: { type: 'string', default: 'zh-CN' } }, strict: true });
  const lang = values.lang === 'zh' ? 'zh-CN' : values.lang;
  if (!LANGUAGES.includes(lang as Language)) {
    process.stderr.write(`--lang must be one of: ${LANGUAGES.join(', ')}\n`);
    throw new CliExit(2);
  }
  const knowledge = loadKnowledge();
  const config = loadConfig();
  // An agent's consultation on the phone opens a case like any other, in the service's store.
  const store = await FileCaseStore.open(config.EKEY_DATA_DIR);
  const conversation = new Conversation(knowledge, { cases: new ServiceCaseDesk(new CaseService(knowledge, store)) });
  await runGuide({
    lang: lang as Language,
    input: process.stdin,
    output: process.stdout,
    conversation,
    interactive: Boolean(process.stdin.isTTY),
    ...(config.EKEY_PUBLIC_URL ? { publicUrl: config.EKEY_PUBLIC_URL } : {}),
  });
});
