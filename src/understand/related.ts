import type { Knowledge } from '../knowledge/model.js';
import type { Condition } from '../knowledge/schema.js';

/**
 * Which services (values of the need) each question matters to, from the decision rules: how a first
 * application is made (applyMode) matters only to a first application, whether an online update failed
 * (onlineFailed) only to a renewal, so "tried it online" answering the one says nothing of the other.
 */
export class RelatedFacts {
  private readonly services = new Map<string, Set<string>>();

  constructor(
    k: Knowledge,
    private readonly service: string,
  ) {
    for (const rule of k.rules) {
      const facts = new Set<string>();
      const needs = new Set<string>();
      factsOf(rule.conditions, k.conditions, facts, needs, service, new Set());
      // A rule that names no service could be any.
      if (needs.size === 0) needs.add('*');
      for (const f of facts) {
        if (!this.services.has(f)) this.services.set(f, new Set());
        for (const n of needs) this.services.get(f)?.add(n);
      }
    }
  }

  /** Some service that one of the questions matters to, the other does too (the service itself relates to all). */
  related(a: string, b: string): boolean {
    if (a === this.service || b === this.service) return true;
    const sa = this.services.get(a);
    const sb = this.services.get(b);
    if (!sa || !sb || sa.has('*') || sb.has('*')) return true;
    return [...sa].some((n) => sb.has(n));
  }
}

/** The facts a condition reads, through the shared conditions it names, and the services it asks for. */
function factsOf(c: Condition, shared: Record<string, Condition>, facts: Set<string>, needs: Set<string>, service: string, seen: Set<string>): void {
  if ('all' in c) for (const x of c.all) factsOf(x, shared, facts, needs, service, seen);
  else if ('any' in c) for (const x of c.any) factsOf(x, shared, facts, needs, service, seen);
  else if ('not' in c) factsOf(c.not, shared, facts, needs, service, seen);
  else if ('condition' in c) {
    const named = shared[c.condition];
    if (named && !seen.has(c.condition)) factsOf(named, shared, facts, needs, service, new Set([...seen, c.condition]));
  } else {
    facts.add(c.fact);
    if (c.fact === service && (c.operator === 'equal' || c.operator === 'in')) for (const v of [c.value].flat()) needs.add(v);
  }
}
