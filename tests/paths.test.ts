import { describe, expect, it } from 'vitest';
import { Consultation } from '../src/consult/consultation.js';
import { enumeratePaths, type Path } from '../src/consult/enumerate.js';
import { Decider } from '../src/consult/decider.js';
import { createI18n, translator } from '../src/i18n.js';
import { flatten, knowledgeKeys } from '../src/knowledge/locale-keys.js';
import { LANGUAGES, NAMESPACES } from '../src/knowledge/schema.js';
import { outcomeView } from '../src/conversation/outcome-view.js';
import { plainText } from '../src/render/plain-text.js';
import { missingUiKeys, unusedUiKeys } from '../src/knowledge/ui-keys.js';
import { knowledge } from './helpers.js';

const k = knowledge();
const consultation = new Consultation(k);
const paths: Path[] = await enumeratePaths(consultation);

describe('every combination of answers', () => {
  it('ends in an outcome (the walk throws on a dead end or a question asked twice)', () => {
    expect(paths.length).toBeGreaterThan(20);
  });

  it('ends in exactly one rule: no two rules hold for the same answers', async () => {
    const facts = [...k.questions.values()].map((q) => ({ id: q.id, order: q.order, ...(q.unprompted ? { default: q.unprompted.default } : {}) }));
    for (const p of paths) {
      const holding = [];
      for (const rule of k.rules) {
        const single = new Decider({ rules: [rule], conditions: k.conditions, facts });
        const d = await single.decide(p.answers);
        if (d.kind === 'outcome') holding.push(rule.name);
      }
      expect(holding, JSON.stringify(p.answers)).toEqual([p.outcome.rule]);
    }
  });

  it('reaches every rule, and through them every procedure and guide', () => {
    expect(new Set(paths.map((p) => p.outcome.rule))).toEqual(new Set(k.rules.map((r) => r.name)));
    expect(new Set(paths.flatMap((p) => p.outcome.procedures.map((x) => x.id)))).toEqual(new Set(k.procedures.keys()));
    expect(new Set(paths.flatMap((p) => (p.outcome.guide ? [p.outcome.guide.id] : [])))).toEqual(new Set(k.guides.keys()));
  });

  it('asks every question somewhere, and at most five on any path', () => {
    // An unprompted question is never asked: it is said, and some path says it.
    const unprompted = [...k.questions.values()].filter((q) => q.unprompted).map((q) => q.id);
    expect(new Set(paths.flatMap((p) => p.asked))).toEqual(new Set([...k.questions.keys()].filter((q) => !unprompted.includes(q))));
    for (const q of unprompted)
      expect(
        paths.some((p) => p.answers[q] !== undefined && p.answers[q] !== k.questions.get(q)?.unprompted?.default),
        q,
      ).toBe(true);
    for (const p of paths) expect(p.asked.length, JSON.stringify(p.answers)).toBeLessThanOrEqual(5);
  });

  it('explains every outcome by the answers that decided it', () => {
    for (const p of paths) {
      expect(p.outcome.why.length).toBeGreaterThan(0);
      for (const w of p.outcome.why) expect(p.answers[w.question]).toBe(w.answer);
    }
  });

  it('uses every material somewhere', () => {
    const used = new Set(paths.flatMap((p) => p.outcome.procedures.flatMap((x) => x.materials.map((m) => m.material))));
    expect(used).toEqual(new Set(k.materials.keys()));
  });

  it('renders in both languages with every knowledge text used and none missing', () => {
    const i18n = createI18n(k);
    const used = new Set<string>();
    i18n.on('missingKey', (_lngs: readonly string[], ns: string, key: string) => used.add(`MISSING ${ns}:${key}`));
    for (const lng of LANGUAGES) {
      const t = translator(i18n, lng);
      const recording = (key: string, params?: object) => {
        used.add(key);
        return t(key, params as never);
      };
      for (const p of paths) {
        const text = plainText({ type: 'outcome', outcome: p.outcome, view: outcomeView(p.outcome, recording, lng) }, recording, { base: 'https://ekey.example.gov.cn' });
        expect(text).not.toMatch(/(procedures|materials|questions|common|outcomes|guides|ui):[a-z]/);
        expect(text).not.toContain('{{');
      }
    }
    expect([...used].filter((u) => u.startsWith('MISSING'))).toEqual([]);
    const questionKeys = [...knowledgeKeys(k)].filter((key) => key.startsWith('questions:') && !/\.(options\.[^.]+|label)$/.test(key));
    // The handbook's side boxes of a flowchart are drawn there only.
    const notShownInOutcomes = new Set(questionKeys.concat([...knowledgeKeys(k)].filter((key) => /^questions:.*\.options\./.test(key) || /^procedures:[^.]+\.asides\./.test(key))));
    for (const key of knowledgeKeys(k)) if (!notShownInOutcomes.has(key)) expect(used, key).toContain(key);
  });

  it('has every ui text used by the code, and every ui text the code names in both languages', () => {
    expect(unusedUiKeys(k)).toEqual([]);
    expect(missingUiKeys(k)).toEqual([]);
    for (const lng of LANGUAGES) for (const ns of NAMESPACES) expect(flatten(k.locales[lng][ns]).size).toBeGreaterThan(0);
  });
});
