import { FileCaseStore } from '../src/cases/file-store.js';
import { CaseService } from '../src/cases/service.js';
import { loadKnowledge } from '../src/knowledge/load.js';
import { Consultation } from '../src/consult/consultation.js';

/**
 * A second process writing the store, for the concurrency test: `tsx tests/cases-writer.ts <dataDir>
 * <reference> <tag> <count> [<checkpoint bytes>]` adds <count> details to the case and opens <count>
 * cases of its own.
 */
const [dataDir, reference, tag, countText, checkpointText] = process.argv.slice(2) as [string, string, string, string, string?];
const count = Number(countText);
const k = loadKnowledge();
const store = await FileCaseStore.open(dataDir, { segmentCapacity: 7, ...(checkpointText ? { checkpointBytes: Number(checkpointText) } : {}) });
const cases = new CaseService(k, store);
const answers = { need: 'first', applyMode: 'offline', enterpriseType: 'domestic' };
const step = await new Consultation(k).next(answers);
if (step.kind !== 'outcome') throw new Error('no outcome');
const created: string[] = [];
for (let i = 0; i < count; i += 1) {
  await store.update(reference, (c) => ({ ...c, details: { ...c.details, [`${tag}-${i}`]: 'x' } }));
  created.push((await cases.open({ outcome: step.outcome, answers, lang: 'zh-CN', channel: tag })).reference);
}
await store.close();
process.stdout.write(JSON.stringify(created));
