import { describe, expect, it } from 'vitest';
import { enumeratePaths } from '../src/consult/enumerate.js';
import type { Message } from '../src/conversation/messages.js';
import { outcomeView } from '../src/conversation/outcome-view.js';
import { plainParts } from '../src/render/plain-text.js';
import { conversation } from './helpers.js';

const c = conversation();
const paths = await enumeratePaths(c.consultation);
const note = (lang: 'zh-CN' | 'en') => ({
  reference: 'EK-20261123-ABCDEF',
  referenceText: c.t(lang)('ui:cases.reference', { reference: 'EK-20261123-ABCDEF' }),
  expected: [c.t(lang)('ui:cases.expectedIntro'), c.t(lang)('ui:cases.expectedStage', { label: 'x', days: '2', date: '2026-11-25' }), c.t(lang)('ui:cases.courierNotIncluded')],
  checklist: { kind: 'checklist' as const, title: c.t(lang)('ui:cases.checklist'), path: '/cases/EK-20261123-ABCDEF/checklist' },
  offer: c.t(lang)('ui:cases.offerContact'),
});

/** Markdown a plain-text channel would show as marks: emphasis, headings, list boxes, links, code. The handbook's "O=*****" is its own text. */
const MARKDOWN = [/\*\*[^*\s][^*]*\*\*/, /^\s*#{1,6}\s/m, /^\s*[-*+]\s/m, /\[[ xX]?\]/, /\]\(/, /`/, /__\S/, /^\s*>/m];

describe('plain text (WeChat, terminal)', () => {
  it.each(['zh-CN', 'en'] as const)('every outcome of every path (%s) is in parts without any Markdown, the summary, next step and reference first', (lang) => {
    const t = c.t(lang);
    for (const p of paths) {
      const m: Message = { type: 'outcome', outcome: p.outcome, view: outcomeView(p.outcome, t, lang), case: note(lang) };
      for (const where of [undefined, { base: 'https://ekey.example.gov.cn' }]) {
        const parts = plainParts(m, t, where);
        for (const part of parts) for (const mark of MARKDOWN) expect(part.replaceAll('O=*****', ''), `${p.outcome.rule}: ${mark}`).not.toMatch(mark);
        const [first, ...rest] = parts;
        expect(first).toContain(t(`outcomes:${p.outcome.rule}`));
        expect(first).toContain('EK-20261123-ABCDEF');
        if (p.outcome.procedures[0]?.steps.length) expect(first).toContain(m.type === 'outcome' ? m.view.next : '');
        // Materials come next, then the steps, each part with its own title so that it makes sense alone.
        const materials = m.type === 'outcome' ? m.view.procedures.flatMap((x) => x.materials.map((y) => y.text)) : [];
        if (materials.length) expect(rest[0]).toContain(materials[0]);
        if (where) expect(first).toContain('https://ekey.example.gov.cn/cases/EK-20261123-ABCDEF/checklist');
        else expect(parts.join('\n')).not.toContain('/checklist');
      }
    }
  });

  it('shows the 4.3.1 guide\'s "O=*****" as the handbook writes it', async () => {
    const hit = paths.find((p) => p.outcome.guide);
    if (!hit) return expect.fail('no guide on any path');
    const t = c.t('zh-CN');
    const text = plainParts({ type: 'outcome', outcome: hit.outcome, view: outcomeView(hit.outcome, t, 'zh-CN') }, t, undefined).join('\n');
    expect(text).toContain('“O=*****”');
  });
});
