import type { Knowledge } from './model.js';
import type { LocaleTree, Namespace } from './schema.js';

/** Flattens a locale tree to "a.b.c" -> text. */
export function flatten(tree: LocaleTree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

/**
 * Every locale key the knowledge itself needs, as "namespace:key". The ui namespace is excluded: its
 * keys are used by the code and checked against it separately.
 */
export function knowledgeKeys(k: Knowledge): Set<string> {
  const keys = new Set<string>();
  const add = (ns: Namespace, key: string) => keys.add(`${ns}:${key}`);
  for (const q of k.questions.values()) {
    for (const part of ['label', 'prompt', 'help']) add('questions', `${q.id}.${part}`);
    for (const o of q.options) add('questions', `${q.id}.options.${o.value}`);
    if (q.date) add('questions', `${q.id}.invalidDate`);
  }
  for (const p of k.procedures.values()) {
    add('procedures', `${p.id}.title`);
    add('procedures', `${p.id}.applies`);
    for (const s of p.steps) add('procedures', `${p.id}.steps.${s.id}`);
    for (const a of p.steps.flatMap((s) => s.asides ?? [])) add('procedures', `${p.id}.asides.${a}`);
    for (const s of p.stages) add('procedures', `${p.id}.stages.${s.id}`);
    for (const n of p.notes) add('procedures', `${p.id}.notes.${n}`);
    for (const r of p.related) add('procedures', `${p.id}.related.${r.procedure}`);
  }
  for (const g of k.guides.values()) {
    add('guides', `${g.id}.title`);
    for (const s of g.steps) add('guides', `${g.id}.steps.${s}`);
  }
  for (const id of k.materials.keys()) add('materials', id);
  for (const r of k.rules) add('outcomes', r.name);
  // A contact needs a label only where it is listed; inside a sentence it is the sentence that names it.
  const listed = new Set([...[...k.procedures.values()].flatMap((p) => p.contacts), ...k.rules.flatMap((r) => r.event.params.contacts ?? [])]);
  for (const id of listed) add('common', `contact.${id}`);
  for (const s of k.systems) add('common', `system.${s.id}`);
  for (const a of ['enterprise', 'authority', 'provider']) add('common', `actor.${a}`);
  for (const s of ['legal-representative', 'authorised-user']) add('common', `requirement.signedBy.${s}`);
  for (const key of ['stamp', 'quantity.copy', 'quantity.item', 'upload', 'uploadImage', 'bring']) add('common', `requirement.${key}`);
  add('common', 'workingDays');
  return keys;
}

export function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)].map((m) => m[1] as string).sort();
}
