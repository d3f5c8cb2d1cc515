import { addDays, type IsoDate } from '../dates/beijing.js';
import type { Knowledge } from '../knowledge/model.js';
import type { OutcomeParams, Procedure, Question } from '../knowledge/schema.js';
import { Decider } from './decider.js';
import type { MaterialItem, Outcome, ProcedurePlan } from './outcome.js';

export type Answers = Readonly<Record<string, string>>;

/** What the consultation is told about the moment, since it reads no clock: today, in Beijing. */
export interface ConsultContext {
  today?: IsoDate;
}

/** Far more than the answer sets that reach an outcome; past it the memo starts again. */
const PLAN_LIMIT = 5_000;

function freezePlan(plan: ProcedurePlan): ProcedurePlan {
  for (const list of [plan.steps, plan.materials, plan.notes, plan.passwords, plan.contacts, plan.related]) {
    for (const item of list) if (typeof item === 'object') Object.freeze(item);
    Object.freeze(list);
  }
  return Object.freeze(plan);
}

export type ConsultStep = { kind: 'question'; question: Question } | { kind: 'outcome'; outcome: Outcome };

/**
 * The consultation: the answers so far -> the next question or the outcome. Pure apart from the rules
 * engine's promise: no I/O, no channel, no words.
 */
export class Consultation {
  private readonly decider: Decider<OutcomeParams>;
  /** The questions whose answer the consultation can work out (Question.derive). */
  private readonly derived: Question[];

  constructor(private readonly k: Knowledge) {
    this.derived = [...k.questions.values()].filter((q) => q.derive);
    this.decider = new Decider<OutcomeParams>({
      rules: k.rules,
      conditions: k.conditions,
      facts: [...k.questions.values()].map((q) => ({ id: q.id, order: q.order, ...(q.unprompted ? { default: q.unprompted.default } : {}) })),
    });
  }

  async next(said: Answers, details: Answers = {}, context: ConsultContext = {}): Promise<ConsultStep> {
    const answers = this.derive(said, details, context);
    const decision = await this.decider.decide(answers);
    if (decision.kind === 'question') return { kind: 'question', question: this.question(decision.fact) };
    if (decision.kind === 'none') throw new Error(`no rule applies to the answers ${JSON.stringify(answers)}`);
    return { kind: 'outcome', outcome: this.outcome(decision.rule, decision.params, decision.decidedBy, answers, details) };
  }

  /** The questions never asked, answered only when the user says so (see Question.unprompted). */
  unprompted(): Question[] {
    return [...this.k.questions.values()].filter((q) => q.unprompted);
  }

  /**
   * The answers worked out rather than said: a certificate expiring on 2026-11-25 cannot wait for the
   * online update's 5 working days of checking from today (on the working-day calendar). What was said wins.
   */
  private derive(said: Answers, details: Answers, context: ConsultContext): Answers {
    let answers = said;
    for (const q of this.derived) {
      const d = q.derive!;
      const date = details[d.detail];
      if (said[q.id] !== undefined || !date || !context.today) continue;
      const days = this.k.procedures.get(d.procedure)?.stages.find((st) => st.id === d.stage)?.workingDays ?? 0;
      const ends = this.k.calendar.addWorkingDays(context.today, days).date;
      answers = { ...answers, [q.id]: ends > date ? 'yes' : 'no' };
    }
    return answers;
  }

  question(id: string): Question {
    const q = this.k.questions.get(id);
    if (!q) throw new Error(`unknown question ${id}`);
    return q;
  }

  private outcome(rule: string, params: OutcomeParams, decidedBy: readonly string[], answers: Answers, details: Answers): Outcome {
    const order = (fact: string) => this.k.questions.get(fact)?.order ?? 0;
    const why = [...decidedBy]
      .sort((a, b) => order(a) - order(b))
      .flatMap((question) => (answers[question] === undefined ? [] : [{ question, answer: answers[question] as string }]));
    const outcome: Outcome = {
      rule,
      why,
      details: { ...details },
      procedures: params.procedures.map((id) => this.plan(id, answers, params.procedures)),
      contacts: [],
    };
    if (params.guide) outcome.guide = this.k.guides.get(params.guide);
    if (params.defaultPasswords) outcome.passwords = this.passwords();
    if (params.notYet) {
      const days = this.k.procedures.get(params.notYet)?.availableDaysBeforeExpiry ?? 0;
      const expiryDate = details.expiryDate;
      outcome.notYet = { procedure: params.notYet, daysBeforeExpiry: days };
      if (expiryDate) Object.assign(outcome.notYet, { expiryDate, availableFrom: addDays(expiryDate, -days) });
    }
    outcome.contacts = this.contacts(params.contacts ?? []);
    return outcome;
  }

  /**
   * A plan depends on the procedure, the procedures given with it and the answers, and the same few
   * dozen come back all day: each is built once, frozen, and shared (renderers key their own work on it).
   */
  private readonly plans = new Map<string, ProcedurePlan>();

  private plan(id: string, answers: Answers, together: readonly string[]): ProcedurePlan {
    const key = `${id}\u0001${together.join(',')}\u0001${JSON.stringify(answers)}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = freezePlan(this.buildPlan(id, answers, together));
      if (this.plans.size >= PLAN_LIMIT) this.plans.clear();
      this.plans.set(key, plan);
    }
    return plan;
  }

  private buildPlan(id: string, answers: Answers, together: readonly string[]): ProcedurePlan {
    const p = this.k.procedures.get(id) as Procedure;
    const index = new Map(p.steps.map((s, i) => [s.id, i]));
    return {
      id: p.id,
      section: p.section,
      steps: p.steps.map((s) => ({
        id: s.id,
        actor: s.actor,
        ...(s.stage ? { stage: s.stage } : {}),
        ...(s.onFail ? { onFail: index.get(s.onFail) as number } : {}),
      })),
      materials: p.materials.map((m) => this.material(m, answers)),
      stages: p.stages,
      courierToAuthority: p.courierToAuthority,
      notes: p.notes,
      passwords: p.defaultPasswords ? this.passwords() : [],
      contacts: this.contacts(p.contacts),
      related: p.related
        .filter((r) => !together.includes(r.procedure))
        .filter((r) => Object.entries(r.when ?? {}).every(([fact, value]) => answers[fact] === undefined || answers[fact] === value))
        .map((r) => r.procedure),
    };
  }

  private material(m: Procedure['materials'][number], answers: Answers): MaterialItem {
    const { material, byEnterpriseType, ...requirements } = m;
    if (material) return { material, ...requirements };
    const type = answers.enterpriseType === 'foreign' ? 'foreign' : 'domestic';
    if (!byEnterpriseType || answers.enterpriseType === undefined) throw new Error('a material chosen by enterprise type needs the enterpriseType answer: the rule must ask it');
    return { material: byEnterpriseType[type], chosenBy: 'enterpriseType', ...requirements };
  }

  private passwords() {
    return this.k.systems.map((s) => ({ system: s.id, password: s.defaultPassword }));
  }

  private contacts(ids: readonly string[]) {
    return ids.flatMap((id) => {
      const c = this.k.contacts[id];
      return c ? [{ id, ...c }] : [];
    });
  }
}
