import type { KnowledgeProblem } from './errors.js';
import type { Knowledge } from './model.js';
import type { Lifecycle } from './lifecycle-schema.js';

/** A status's locale key names: the status itself, or one per wording ("<status>_<wording>") where it is worded. */
function statusKeyNames(lc: Lifecycle, status: string): string[] {
  if (!lc.wording?.statuses.includes(status)) return [status];
  return [...new Set(Object.values(lc.wording.byProcedure))].map((w) => `${status}_${w}`);
}

/** The locale keys a lifecycle needs: a label and a next step per status, "lifecycle:<id>.<part>.<status>[_<wording>]". */
export function lifecycleKeys(k: Knowledge): string[] {
  return [...k.lifecycles.values()].flatMap((lc) =>
    lc.statuses.flatMap((s) => statusKeyNames(lc, s.id).flatMap((name) => [`lifecycle:${lc.id}.statuses.${name}`, `lifecycle:${lc.id}.next.${name}`])),
  );
}

function reachable(lc: Lifecycle, from: string): Set<string> {
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length > 0) {
    for (const to of lc.transitions[queue.shift() as string] ?? []) {
      if (!seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return seen;
}

/**
 * A lifecycle must be walkable: every status reached from the first, every path able to end, every
 * procedure followed by exactly one lifecycle, and every stage a status counts found in each procedure.
 */
export function lifecycleProblems(k: Knowledge): KnowledgeProblem[] {
  const problems: KnowledgeProblem[] = [];
  const owner = new Map<string, string>();
  const withoutProcedure: string[] = [];
  for (const lc of k.lifecycles.values()) {
    const file = k.sources.get(`lifecycle:${lc.id}`) ?? `rules/lifecycle/${lc.id}.json`;
    const add = (path: string, message: string) => problems.push({ file, path, message });
    const ids = new Set(lc.statuses.map((s) => s.id));
    if (ids.size !== lc.statuses.length) add('$.statuses', 'status ids must be unique');
    if (!ids.has(lc.initial)) add('$.initial', `no status "${lc.initial}"`);
    for (const [from, targets] of Object.entries(lc.transitions)) {
      if (!ids.has(from)) add(`$.transitions.${from}`, `no status "${from}"`);
      targets.forEach((to, i) => {
        if (!ids.has(to)) add(`$.transitions.${from}[${i}]`, `no status "${to}"`);
        if (to === from) add(`$.transitions.${from}[${i}]`, 'a status cannot follow itself');
      });
    }
    const fromInitial = reachable(lc, lc.initial);
    lc.statuses.forEach((s, i) => {
      const out = lc.transitions[s.id] ?? [];
      if (s.final && out.length > 0) add(`$.transitions.${s.id}`, `"${s.id}" is final: nothing may follow it`);
      if (!s.final && out.length === 0) add(`$.statuses[${i}]`, `"${s.id}" is not final but nothing follows it`);
      if (!fromInitial.has(s.id)) add(`$.statuses[${i}]`, `"${s.id}" cannot be reached from "${lc.initial}"`);
      if (![...reachable(lc, s.id)].some((id) => lc.statuses.find((x) => x.id === id)?.final)) add(`$.statuses[${i}]`, `no final status can be reached from "${s.id}"`);
      if (s.rejection && s.remark !== 'required') add(`$.statuses[${i}].remark`, 'a rejection needs the remark: set "remark": "required"');
      if (s.rejection && s.final) add(`$.statuses[${i}]`, 'a rejection cannot be final: the enterprise resubmits');
    });
    if (lc.wording) {
      lc.wording.statuses.forEach((id, i) => ids.has(id) || add(`$.wording.statuses[${i}]`, `no status "${id}"`));
      for (const id of lc.procedures) if (!lc.wording.byProcedure[id]) add('$.wording.byProcedure', `procedure "${id}" has no wording`);
      for (const id of Object.keys(lc.wording.byProcedure)) if (!lc.procedures.includes(id)) add(`$.wording.byProcedure.${id}`, `"${id}" is not a procedure of this lifecycle`);
    }
    if (lc.withoutProcedure) {
      withoutProcedure.push(lc.id);
      if (lc.procedures.length > 0) add('$.procedures', 'the lifecycle of outcomes without a procedure lists no procedures');
      lc.statuses.forEach((s, i) => s.stage && add(`$.statuses[${i}].stage`, 'no procedure, so no stage to count'));
    }
    lc.procedures.forEach((id, i) => {
      const p = k.procedures.get(id);
      if (!p) return add(`$.procedures[${i}]`, `no procedure "${id}" in rules/procedures`);
      if (owner.has(id)) add(`$.procedures[${i}]`, `procedure "${id}" is already followed by lifecycle "${owner.get(id)}"`);
      owner.set(id, lc.id);
      for (const s of lc.statuses) {
        if (!s.stage) continue;
        const stages = p.stages.filter((st) => st.actor === s.stage);
        if (stages.length !== 1) add(`$.procedures[${i}]`, `status "${s.id}" counts the ${s.stage}'s stage, but "${id}" has ${stages.length} stages of that actor`);
      }
    });
    const en = k.locales.en.lifecycle?.[lc.id];
    const zh = k.locales['zh-CN'].lifecycle?.[lc.id];
    for (const name of lc.statuses.flatMap((s) => statusKeyNames(lc, s.id))) {
      const zhLabel = typeof zh === 'object' && typeof zh.statuses === 'object' ? zh.statuses[name] : undefined;
      const enLabel = typeof en === 'object' && typeof en.statuses === 'object' ? en.statuses[name] : undefined;
      // Agents and enterprises read the Chinese status in the online system: the English label keeps it.
      if (typeof zhLabel === 'string' && typeof enLabel === 'string' && !enLabel.includes(zhLabel))
        problems.push({ file: 'locales/en/lifecycle.json', path: `$.${lc.id}.statuses.${name}`, message: `must keep the Chinese label "${zhLabel}"` });
    }
  }
  for (const id of k.procedures.keys()) if (!owner.has(id)) problems.push({ file: 'rules/lifecycle', path: '', message: `procedure "${id}" is followed by no lifecycle` });
  if (withoutProcedure.length !== 1)
    problems.push({ file: 'rules/lifecycle', path: '', message: `exactly one lifecycle must have "withoutProcedure": true (found ${withoutProcedure.length})` });
  return problems;
}
