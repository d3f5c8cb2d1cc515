import { parseArgs } from 'node:util';
import { Conversation } from '../../conversation/conversation.js';
import { KnowledgeError } from '../../knowledge/errors.js';
import { loadKnowledge } from '../../knowledge/load.js';
import { LANGUAGES, type Language } from '../../knowledge/schema.js';
import { runGuide } from './guide.js';

const { values } = parseArgs({ options: { lang: { type: 'string', default: 'zh-CN' } }, strict: true });
const lang = values.lang === 'zh' ? 'zh-CN' : values.lang;
if (!LANGUAGES.includes(lang as Language)) {
  process.stderr.write(`--lang must be one of: ${LANGUAGES.join(', ')}\n`);
  process.exit(2);
}

try {
  const conversation = new Conversation(loadKnowledge());
  await runGuide({ lang: lang as Language, input: process.stdin, output: process.stdout, conversation, interactive: Boolean(process.stdin.isTTY) });
} catch (err) {
  if (err instanceof KnowledgeError) {
    process.stderr.write(`The knowledge files have problems:\n${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
