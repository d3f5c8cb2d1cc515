import type { KnowledgeProblem } from './errors.js';
import { flatten, knowledgeKeys, placeholders } from './locale-keys.js';
import type { Knowledge } from './model.js';
import { type Condition, LANGUAGES, NAMESPACES } from './schema.js';
import { lifecycleKeys, lifecycleProblems } from './lifecycle-check.js';

/** Cross-file checks: every reference resolves, every piece is used, both languages say everything. */
export function referenceProblems(k: Knowledge): KnowledgeProblem[] {
  const problems: KnowledgeProblem[] = [];
  const src = (key: string) => k.sources.get(key) ?? key;

  const optionValues = (fact: string) =>
    k.questions
      .get(fact)
      ?.options.filter((o) => !o.reask)
      .map((o) => o.value);
  const checkAnswer = (file: string, path: string, fact: string, value: string) => {
    const values = optionValues(fact);
    if (!values) problems.push({ file, path, message: `"${fact}" is not a question in dialogs/questions` });
    else if (!values.includes(value)) problems.push({ file, path, message: `"${value}" is not an answer of question "${fact}" (answers: ${values.join(', ')})` });
  };

  const factsUsed = new Set<string>();
  const walk = (file: string, path: string, c: Condition) => {
    if ('all' in c) c.all.forEach((x, i) => walk(file, `${path}.all[${i}]`, x));
    else if ('any' in c) c.any.forEach((x, i) => walk(file, `${path}.any[${i}]`, x));
    else if ('not' in c) walk(file, `${path}.not`, c.not);
    else if ('condition' in c) {
      if (!k.conditions[c.condition]) problems.push({ file, path, message: `shared condition "${c.condition}" is not in rules/conditions.json` });
    } else {
      factsUsed.add(c.fact);
      for (const v of Array.isArray(c.value) ? c.value : [c.value]) checkAnswer(file, `${path}.value`, c.fact, v);
    }
  };
  for (const [name, c] of Object.entries(k.conditions)) walk('rules/conditions.json', `$.${name}`, c);

  const contactsUsed = new Set<string>();
  const proceduresReached = new Set<string>();
  const guidesReached = new Set<string>();
  k.rules.forEach((rule) => {
    const file = src(`rule:${rule.name}`);
    walk(file, `${rule.name}.conditions`, rule.conditions);
    const p = rule.event.params;
    p.procedures.forEach((id, i) => {
      proceduresReached.add(id);
      if (!k.procedures.has(id)) problems.push({ file, path: `${rule.name}.event.params.procedures[${i}]`, message: `no procedure "${id}" in rules/procedures` });
    });
    if (p.guide) {
      guidesReached.add(p.guide);
      if (!k.guides.has(p.guide)) problems.push({ file, path: `${rule.name}.event.params.guide`, message: `no guide "${p.guide}" in rules/guides` });
    }
    if (p.notYet && !k.procedures.get(p.notYet)?.availableDaysBeforeExpiry)
      problems.push({ file, path: `${rule.name}.event.params.notYet`, message: `"${p.notYet}" is not a procedure with availableDaysBeforeExpiry` });
    (p.contacts ?? []).forEach((c, i) => {
      contactsUsed.add(c);
      if (!k.contacts[c]) problems.push({ file, path: `${rule.name}.event.params.contacts[${i}]`, message: `no contact "${c}" in rules/contacts.json` });
    });
    if (p.procedures.length === 0 && !p.contacts?.length)
      problems.push({ file, path: `${rule.name}.event.params.contacts`, message: 'an outcome without procedures must name its contacts' });
    if (p.procedures.length === 0 && !p.guide && !p.defaultPasswords && !p.notYet)
      problems.push({ file, path: `${rule.name}.event.params`, message: 'an outcome must give procedures, a guide, the default passwords or a procedure not yet available' });
  });

  for (const q of k.questions.values()) {
    const file = src(`question:${q.id}`);
    if (!factsUsed.has(q.id)) problems.push({ file, path: '$.id', message: `question "${q.id}" is used by no rule` });
    q.options.forEach((o, i) => {
      for (const [fact, value] of Object.entries(o.implies ?? {})) checkAnswer(file, `$.options[${i}].implies.${fact}`, fact, value);
      if (o.guide) {
        guidesReached.add(o.guide);
        if (!k.guides.has(o.guide)) problems.push({ file, path: `$.options[${i}].guide`, message: `no guide "${o.guide}"` });
      }
      if (o.reask && !o.guide) problems.push({ file, path: `$.options[${i}]`, message: 'an option that asks again must show a guide' });
    });
    if (q.derive) {
      const stages = k.procedures.get(q.derive.procedure)?.stages ?? [];
      if (!stages.some((st) => st.id === q.derive?.stage)) problems.push({ file, path: '$.derive', message: `no stage "${q.derive.stage}" in procedure "${q.derive.procedure}"` });
    }
    q.date?.bands.forEach((b, i) => {
      if (!q.options.some((o) => o.value === b.value)) problems.push({ file, path: `$.date.bands[${i}].value`, message: `"${b.value}" is not an option of "${q.id}"` });
    });
  }
  k.concepts.combinations.forEach((c, i) => {
    for (const [fact, value] of Object.entries(c.answers ?? {})) checkAnswer('dialogs/concepts.json', `$.combinations[${i}].answers.${fact}`, fact, value);
  });
  const combined = new Set(k.concepts.combinations.flatMap((c) => c.all));
  for (const id of Object.keys(k.concepts.concepts))
    if (!combined.has(id)) problems.push({ file: 'dialogs/concepts.json', path: `$.concepts.${id}`, message: `concept "${id}" is in no combination` });
  k.phrases.forEach((ph, i) => {
    for (const [fact, value] of Object.entries(ph.answers)) checkAnswer('dialogs/phrases.json', `$[${i}].answers.${fact}`, fact, value);
  });

  const materialsUsed = new Set<string>();
  for (const p of k.procedures.values()) {
    const file = src(`procedure:${p.id}`);
    if (!proceduresReached.has(p.id)) problems.push({ file, path: '$.id', message: `procedure "${p.id}" is the outcome of no rule` });
    const stepIds = new Set(p.steps.map((s) => s.id));
    const stageIds = new Set(p.stages.map((s) => s.id));
    if (stepIds.size !== p.steps.length) problems.push({ file, path: '$.steps', message: 'step ids must be unique' });
    p.steps.forEach((s, i) => {
      if (s.stage && !stageIds.has(s.stage)) problems.push({ file, path: `$.steps[${i}].stage`, message: `no stage "${s.stage}" in $.stages` });
      if (s.onFail && !stepIds.has(s.onFail)) problems.push({ file, path: `$.steps[${i}].onFail`, message: `no step "${s.onFail}"` });
    });
    p.materials.forEach((m, i) => {
      const ids = m.material ? [m.material] : Object.values(m.byEnterpriseType ?? {});
      for (const id of ids) {
        materialsUsed.add(id);
        if (!k.materials.has(id)) problems.push({ file, path: `$.materials[${i}]`, message: `no material "${id}" in rules/materials.json` });
      }
    });
    p.contacts.forEach((c, i) => {
      contactsUsed.add(c);
      if (!k.contacts[c]) problems.push({ file, path: `$.contacts[${i}]`, message: `no contact "${c}" in rules/contacts.json` });
    });
    p.related.forEach((r, i) => {
      if (!k.procedures.has(r.procedure)) problems.push({ file, path: `$.related[${i}].procedure`, message: `no procedure "${r.procedure}"` });
      for (const [fact, value] of Object.entries(r.when ?? {})) checkAnswer(file, `$.related[${i}].when.${fact}`, fact, value);
    });
  }
  for (const id of k.materials.keys())
    if (!materialsUsed.has(id)) problems.push({ file: 'rules/materials.json', path: `$.${id}`, message: `material "${id}" is used by no procedure` });
  for (const g of k.guides.keys()) if (!guidesReached.has(g)) problems.push({ file: src(`guide:${g}`), path: '$.id', message: `guide "${g}" is shown by no rule or answer` });

  // Locales: the knowledge's keys in both languages, nothing extra, same placeholders, facts only by reference.
  // Lifecycle texts are said by the status query and the helpdesk, not by outcomes: needed all the same.
  const needed = new Set([...knowledgeKeys(k), ...lifecycleKeys(k)]);
  const flat = Object.fromEntries(
    LANGUAGES.map((lng) => [lng, new Map(NAMESPACES.flatMap((ns) => [...flatten(k.locales[lng][ns])].map(([key, v]) => [`${ns}:${key}`, v] as const)))]),
  ) as Record<(typeof LANGUAGES)[number], Map<string, string>>;
  const [first, ...others] = LANGUAGES;
  for (const lng of LANGUAGES) {
    const file = (key: string) => `locales/${lng}/${key.split(':')[0]}.json`;
    const here = flat[lng];
    for (const key of needed) if (!here.has(key)) problems.push({ file: file(key), path: `$.${key.split(':')[1]}`, message: 'missing text' });
    for (const [key, text] of here) {
      // The desk console's words (desk:) are all handed to its page, which names them; like ui:, not knowledge.
      if (!key.startsWith('ui:') && !key.startsWith('desk:') && !needed.has(key))
        problems.push({ file: file(key), path: `$.${key.split(':')[1]}`, message: 'text is used by nothing in rules/ or dialogs/' });
      for (const ph of placeholders(text)) {
        const contact = /^contact\.(.+)$/.exec(ph)?.[1];
        if (contact) {
          contactsUsed.add(contact);
          if (!k.contacts[contact]) problems.push({ file: file(key), path: `$.${key.split(':')[1]}`, message: `{{${ph}}}: no contact "${contact}"` });
        }
      }
    }
  }
  for (const lng of others) {
    const base = flat[first];
    for (const [key, text] of flat[lng]) {
      const ref = base.get(key);
      if (ref === undefined) {
        if (key.startsWith('ui:')) problems.push({ file: `locales/${lng}/ui.json`, path: `$.${key.slice(3)}`, message: `not in locales/${first}` });
        continue;
      }
      if (placeholders(ref).join() !== placeholders(text).join())
        problems.push({
          file: `locales/${lng}/${key.split(':')[0]}.json`,
          path: `$.${key.split(':')[1]}`,
          message: `placeholders differ from ${first}: ${placeholders(ref).join(', ') || 'none'}`,
        });
      // The documents are Chinese: the English name must carry the Chinese one beside it.
      if ((key.startsWith('materials:') || key.startsWith('common:system.')) && !text.includes(ref))
        problems.push({ file: `locales/${lng}/${key.split(':')[0]}.json`, path: `$.${key.split(':')[1]}`, message: `must keep the Chinese name "${ref}"` });
    }
    for (const key of base.keys())
      if (key.startsWith('ui:') && !flat[lng].has(key)) problems.push({ file: `locales/${lng}/ui.json`, path: `$.${key.slice(3)}`, message: 'missing text' });
  }
  problems.push(...lifecycleProblems(k));
  for (const id of Object.keys(k.contacts))
    if (!contactsUsed.has(id)) problems.push({ file: 'rules/contacts.json', path: `$.${id}`, message: `contact "${id}" is used by no procedure or text` });
  return problems;
}
