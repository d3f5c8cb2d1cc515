import { Engine, type RuleResult } from 'json-rules-engine';

/** The value given to a fact nobody has answered yet; no rule may compare against it. */
export const UNANSWERED = '\u0000unanswered';

export interface DecisionSpec<P> {
  rules: { name: string; priority: number; conditions: object; event: { type: string; params: P } }[];
  conditions?: Record<string, object>;
  /**
   * Every fact the rules may ask about, with the order in which they are asked when several are needed;
   * a fact with a default is never asked: the rules see the default until an answer says otherwise.
   */
  facts: { id: string; order: number; default?: string }[];
}

export type Decision<P> = { kind: 'outcome'; rule: string; params: P; decidedBy: readonly string[] } | { kind: 'question'; fact: string } | { kind: 'none' };

type Tri = boolean | undefined;

/** Far more answer sets than the rules can tell apart; past it the memo starts again. */
const MEMO_LIMIT = 20_000;
interface EvaluatedCondition {
  all?: EvaluatedCondition[];
  any?: EvaluatedCondition[];
  not?: EvaluatedCondition;
  fact?: string;
  factResult?: unknown;
  result?: boolean;
}

/**
 * Runs json-rules-engine rules over partial answers with three-valued logic: a condition on an
 * unanswered fact is unknown rather than false. A rule that is true decides the outcome; otherwise the
 * next question is a fact that a still-undecided rule needs. Nothing here knows the domain: the rules
 * and the facts' order are data.
 */
export class Decider<P extends Record<string, unknown>> {
  private readonly engine: Engine;
  private readonly order: Map<string, number>;
  private readonly defaults: Map<string, string>;

  constructor(spec: DecisionSpec<P>) {
    this.engine = new Engine([], { allowUndefinedFacts: false });
    for (const [name, condition] of Object.entries(spec.conditions ?? {})) this.engine.setCondition(name, condition as never);
    for (const rule of spec.rules) this.engine.addRule({ ...rule, conditions: rule.conditions as never });
    this.order = new Map(spec.facts.map((f) => [f.id, f.order]));
    this.defaults = new Map(spec.facts.flatMap((f) => (f.default === undefined ? [] : [[f.id, f.default] as const])));
  }

  /**
   * The decision is a function of the answers alone, and consultations walk the same few hundred answer
   * sets over and over: json-rules-engine costs about 0.2 ms a run (an almanac, a promise per condition,
   * a deep clone of every rule's result), a lookup costs nothing.
   */
  private readonly memo = new Map<string, Promise<Decision<P>>>();

  decide(answers: Readonly<Record<string, string>>): Promise<Decision<P>> {
    const facts: Record<string, string> = {};
    for (const id of this.order.keys()) facts[id] = answers[id] ?? this.defaults.get(id) ?? UNANSWERED;
    const key = Object.values(facts).join('\u0001');
    let decision = this.memo.get(key);
    if (!decision) {
      decision = this.evaluate(facts).then((d) => Object.freeze(d));
      // A failed run is not kept: the next call tries again.
      decision.catch(() => this.memo.delete(key));
      if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
      this.memo.set(key, decision);
    }
    return decision;
  }

  private async evaluate(facts: Record<string, string>): Promise<Decision<P>> {
    const { results, failureResults } = await this.engine.run(facts);
    const evaluated = [...results, ...failureResults].map((r: RuleResult) => {
      const root = r.conditions as unknown as EvaluatedCondition;
      return { rule: r, state: tri(root), root };
    });

    const unknown = evaluated.filter((e) => e.state === undefined);
    const floor = Math.max(-Infinity, ...unknown.map((e) => e.rule.priority ?? 1));
    const decided = evaluated.filter((e) => e.state === true && (e.rule.priority ?? 1) >= floor).sort((a, b) => (b.rule.priority ?? 1) - (a.rule.priority ?? 1));
    const winner = decided[0];
    if (winner) {
      const decidedBy: string[] = [];
      trueFacts(winner.root, decidedBy);
      return { kind: 'outcome', rule: winner.rule.name, params: winner.rule.event?.params as P, decidedBy: Object.freeze([...new Set(decidedBy)]) };
    }

    let next: string | undefined;
    for (const e of unknown) {
      const needed: string[] = [];
      missingFacts(e.root, needed);
      for (const fact of needed) if (next === undefined || this.rank(fact) < this.rank(next)) next = fact;
    }
    return next === undefined ? { kind: 'none' } : { kind: 'question', fact: next };
  }

  private rank(fact: string): number {
    return this.order.get(fact) ?? Number.MAX_SAFE_INTEGER;
  }
}

function tri(c: EvaluatedCondition): Tri {
  if (c.all) {
    const s = c.all.map(tri);
    return s.includes(false) ? false : s.includes(undefined) ? undefined : true;
  }
  if (c.any) {
    const s = c.any.map(tri);
    return s.includes(true) ? true : s.includes(undefined) ? undefined : false;
  }
  if (c.not) {
    const s = tri(c.not);
    return s === undefined ? undefined : !s;
  }
  return c.factResult === UNANSWERED ? undefined : c.result === true;
}

function missingFacts(c: EvaluatedCondition, out: string[]): void {
  if (tri(c) !== undefined) return;
  if (c.all) c.all.forEach((x) => missingFacts(x, out));
  else if (c.any) c.any.forEach((x) => missingFacts(x, out));
  else if (c.not) missingFacts(c.not, out);
  else if (c.fact) out.push(c.fact);
}

function trueFacts(c: EvaluatedCondition, out: string[]): void {
  if (c.all) c.all.forEach((x) => trueFacts(x, out));
  else if (c.any) c.any.filter((x) => tri(x) === true).forEach((x) => trueFacts(x, out));
  else if (c.not) trueFacts(c.not, out);
  else if (c.fact) out.push(c.fact);
}
