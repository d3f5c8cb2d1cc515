import type { Concepts } from '../knowledge/schema.js';
import type { Clauses, Span } from './clauses.js';
import { normalise } from './normalise.js';
import { joinKeys, type Segmenter, type Token } from './segment.js';

/** What the concepts of one message say: answers, and whether it asks what the handbook does not cover. */
export interface ConceptReading {
  answers: Record<string, string>;
  /** Answers that two combinations gave differently: left unanswered. */
  contested: Set<string>;
  outOfScope: boolean;
}

interface Occurrence extends Span {
  concept: string;
}

/**
 * Concepts in any order within a clause: each concept is a set of words (matched on word boundaries,
 * English by its stem), each combination a set of concepts that together give answers. A denied
 * concept ("不要补办") counts for nothing.
 */
export class ConceptMatcher {
  private readonly words = new Map<string, string>();
  private readonly prefixes = new Set<string>();

  /** `service`: the question of the service asked for, which only the words of one clause answer. */
  constructor(
    private readonly data: Concepts,
    private readonly segmenter: Segmenter,
    private readonly service?: string,
  ) {
    for (const [id, list] of Object.entries(data.concepts))
      for (const w of list) {
        const key = joinKeys(segmenter.tokens(normalise(w)));
        if (!key) continue;
        this.words.set(key, id);
        for (let i = 1; i <= key.length; i++) this.prefixes.add(key.slice(0, i));
      }
  }

  /** Every concept word in the tokens, longest first at each place, none overlapping another or a blocked span. */
  occurrences(tokens: readonly Token[], blocked: readonly Span[]): Occurrence[] {
    const out: Occurrence[] = [];
    for (let i = 0; i < tokens.length;) {
      let best: Occurrence | undefined;
      let bestEnd = i;
      for (let j = i; j < tokens.length; j++) {
        const key = joinKeys(tokens.slice(i, j + 1));
        if (!this.prefixes.has(key)) break;
        const concept = this.words.get(key);
        if (concept) {
          best = { concept, start: (tokens[i] as Token).start, end: (tokens[j] as Token).end };
          bestEnd = j;
        }
      }
      if (best && !blocked.some((b) => b.start < (best as Occurrence).end && (best as Occurrence).start < b.end)) {
        out.push(best);
        i = bestEnd + 1;
      } else i += 1;
    }
    return out;
  }

  read(tokens: readonly Token[], clauses: Clauses, blocked: readonly Span[], read: readonly Span[]): ConceptReading {
    const found = this.occurrences(tokens, blocked).filter((o) => !clauses.negated(o, read));
    const byClause = new Map<number, Set<string>>();
    for (const o of found) {
      const c = clauses.clauseOf(o.start);
      if (!byClause.has(c)) byClause.set(c, new Set());
      byClause.get(c)?.add(o.concept);
    }
    const answers: Record<string, string> = {};
    const contested = new Set<string>();
    let outOfScope = false;
    for (const [clause, concepts] of byClause)
      for (const combo of this.data.combinations) {
        // "是登录密码还是pin" asks which; only a combination that marks the question out of scope still holds.
        if (combo.answers && clauses.asksBetween(clause)) continue;
        if (!combo.all.every((c) => concepts.has(c))) continue;
        if (combo.outOfScope) outOfScope = true;
        for (const [fact, value] of Object.entries(combo.answers ?? {})) {
          if (answers[fact] !== undefined && answers[fact] !== value) contested.add(fact);
          answers[fact] ??= value;
        }
      }
    for (const fact of contested) delete answers[fact];
    // "can't log into the system, forgot my password": the facts of a combination whose concepts are said in
    // different clauses, where no clause says that fact and the combinations over the whole message agree.
    if (byClause.size > 1 && ![...byClause.keys()].some((c) => clauses.asksBetween(c))) {
      const all = new Set(found.map((o) => o.concept));
      const across: Record<string, string> = {};
      const disagree = new Set<string>();
      for (const combo of this.data.combinations) {
        if (!combo.answers || !combo.all.every((c) => all.has(c))) continue;
        // Across clauses a combination only adds to what the clauses say, never against it ("输错了6次，现在用不了了"
        // is no damaged key), and never names the service itself ("我再确认了一下，证书里是有18位代码的").
        if (Object.entries(combo.answers).some(([fact, value]) => answers[fact] !== undefined && answers[fact] !== value)) continue;
        const followUp = this.followUp(combo.all, found, clauses, byClause);
        for (const [fact, value] of Object.entries(combo.answers)) {
          if (fact === this.service && !followUp) continue;
          if (across[fact] !== undefined && across[fact] !== value) disagree.add(fact);
          across[fact] ??= value;
        }
      }
      for (const [fact, value] of Object.entries(across)) if (!disagree.has(fact) && !contested.has(fact)) answers[fact] ??= value;
    }
    return { answers, contested, outOfScope };
  }

  /**
   * The combination's concepts are said in two clauses, the last clause holding only the last of them: a
   * follow-up saying what to do with what the clause before named ("没有统一社会信用代码，想加进去", "钥匙让狗啃了，
   * 还能补吗", "we have one e-key but need one more"). Not a clause that says more of its own ("我再确认了一下，证书里
   * 是有18位代码的": the code is what the second clause states, with the certificate).
   */
  private followUp(all: readonly string[], found: readonly Occurrence[], clauses: Clauses, byClause: ReadonlyMap<number, Set<string>>): boolean {
    const used = found.filter((o) => all.includes(o.concept));
    const last = used.at(-1);
    if (!last) return false;
    const clause = clauses.clauseOf(last.start);
    const rest = used.filter((o) => clauses.clauseOf(o.start) !== clause);
    const before = new Set(rest.map((o) => clauses.clauseOf(o.start)));
    return before.size === 1 && byClause.get(clause)?.size === 1 && all.every((c) => c === last.concept || rest.some((o) => o.concept === c));
  }
}
