import { parseArgs } from 'node:util';
import { Conversation } from '../../conversation/conversation.js';
import { KnowledgeError } from '../../knowledge/errors.js';
import { loadKnowledge } from '../../knowledge/load.js';
import { LANGUAGES, type Language } from '../../knowledge/schema.js';
import { runGuide } from './guide.js';
import { ServiceCaseDesk } from '../../cases/desk.js';
import { CaseStoreError } from '../../cases/errors.js';
import { FileCaseStore } from '../../cases/file-store.js';
import { CaseService } from '../../cases/service.js';
import { ConfigError, loadConfig } from '../../config.js';

const { values } = parseArgs({ options: { lang: { type: 'string', default: 'zh-CN' } }, strict: true });
const lang = values.lang === 'zh' ? 'zh-CN' : values.lang;
if (!LANGUAGES.includes(lang as Language)) {
  process.stderr.write(`--lang must be one of: ${LANGUAGES.join(', ')}\n`);
  process.exit(2);
}

try {
  const knowledge = loadKnowledge();
  const config = loadConfig();
  // An agent's consultation on the phone opens a case like any other, in the service's store.
  const store = await FileCaseStore.open(config.EKEY_DATA_DIR);
  const conversation = new Conversation(knowledge, { cases: new ServiceCaseDesk(new CaseService(knowledge, store)) });
  await runGuide({ lang: lang as Language, input: process.stdin, output: process.stdout, conversation, interactive: Boolean(process.stdin.isTTY), ...(config.EKEY_PUBLIC_URL ? { publicUrl: config.EKEY_PUBLIC_URL } : {}) });
} catch (err) {
  if (err instanceof KnowledgeError) {
    process.stderr.write(`The knowledge files have problems:\n${err.message}\n`);
    process.exit(1);
  }
  if (err instanceof ConfigError || err instanceof CaseStoreError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
