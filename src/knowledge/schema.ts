import { z } from 'zod';

/** Ids are kebab- or camel-case ASCII, so they are safe as locale keys, file names and URL parts. */
export const Id = z.string().regex(/^[a-z][a-zA-Z0-9-]*$/, 'must be an id: a lower-case letter, then letters, digits or "-"');

export const Actor = z.enum(['enterprise', 'authority', 'provider']);
export type Actor = z.infer<typeof Actor>;

export const EnterpriseType = z.enum(['domestic', 'foreign']);

export const Step = z.strictObject({
  id: Id,
  actor: Actor,
  /** The stage (with its working days) this step belongs to. */
  stage: Id.optional(),
  /** A verification step: where the enterprise goes back to when it is not passed (核验未通过). */
  onFail: Id.optional(),
  /** Boxes the handbook's flowchart draws beside this step, in order ("忘记账号密码" -> "联系审批机关开户"). */
  asides: z.array(Id).min(1).optional(),
});

export const MaterialUse = z
  .strictObject({
    material: Id.optional(),
    /** Exactly one of the two documents, chosen by the enterprise's type (备案登记表 or 批准证书). */
    byEnterpriseType: z.strictObject({ domestic: Id, foreign: Id }).optional(),
    signedBy: z.enum(['legal-representative', 'authorised-user']).optional(),
    stamp: z.boolean(),
    quantity: z.strictObject({ count: z.number().int().positive(), unit: z.enum(['copy', 'item']) }),
    upload: z.strictObject({ maxKB: z.number().int().positive(), imageFormat: z.boolean().optional() }).optional(),
    bring: z.boolean(),
  })
  .refine((m) => (m.material === undefined) !== (m.byEnterpriseType === undefined), {
    message: 'give either "material" or "byEnterpriseType", not both',
  });
export type MaterialUse = z.infer<typeof MaterialUse>;

export const Stage = z.strictObject({ id: Id, actor: Actor, workingDays: z.number().int().positive() });
export type Stage = z.infer<typeof Stage>;

export const Related = z.strictObject({
  procedure: Id,
  /** Shown only when every listed answer matches (or is not known). */
  when: z.record(z.string(), z.string()).optional(),
});

const IsoDate = z.iso.date();

export const Procedure = z.strictObject({
  id: Id,
  /** The handbook's section ("4.1.1") and the date this file's text was last compared with it. */
  section: z.string().min(1),
  reviewed: IsoDate,
  availableDaysBeforeExpiry: z.number().int().positive().optional(),
  steps: z.array(Step).min(1),
  materials: z.array(MaterialUse),
  stages: z.array(Stage),
  /** After the stages the key travels by courier to the issuing authority: time not counted. */
  courierToAuthority: z.boolean(),
  notes: z.array(Id),
  defaultPasswords: z.boolean(),
  contacts: z.array(z.string().min(1)).min(1),
  related: z.array(Related),
});
export type Procedure = z.infer<typeof Procedure>;

export const Guide = z.strictObject({ id: Id, section: z.string().min(1), reviewed: IsoDate, steps: z.array(Id).min(1) });
export type Guide = z.infer<typeof Guide>;

export const Contacts = z.record(
  z.string().regex(/^[a-z][a-zA-Z0-9]*$/, 'contact ids are camelCase (they are used as {{contact.id}})'),
  z.strictObject({ kind: z.enum(['phone', 'url']), value: z.string().min(1) }),
);
export type Contacts = z.infer<typeof Contacts>;

export const Systems = z.array(z.strictObject({ id: Id, defaultPassword: z.string().min(1) })).min(1);
export type Systems = z.infer<typeof Systems>;

export const Materials = z.record(Id, z.strictObject({ kind: z.enum(['form', 'copy', 'key']) }));

/** A json-rules-engine condition, restricted to what the consultation can reason about. */
export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { condition: string }
  | { fact: string; operator: 'equal' | 'notEqual' | 'in' | 'notIn'; value: string | string[] };

export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(Condition).min(1) }),
    z.strictObject({ any: z.array(Condition).min(1) }),
    z.strictObject({ not: Condition }),
    z.strictObject({ condition: z.string().min(1) }),
    z.strictObject({
      fact: z.string().min(1),
      operator: z.enum(['equal', 'notEqual', 'in', 'notIn']),
      value: z.union([z.string(), z.array(z.string()).min(1)]),
    }),
  ]),
);

export const OutcomeParams = z.strictObject({
  procedures: z.array(Id),
  guide: Id.optional(),
  defaultPasswords: z.boolean().optional(),
  /** Not yet possible: the procedure becomes available later (the online update window). */
  notYet: Id.optional(),
  /** Contacts to show when the outcome names no procedure (a procedure brings its own). */
  contacts: z.array(z.string().min(1)).optional(),
});
export type OutcomeParams = z.infer<typeof OutcomeParams>;

export const DecisionRule = z.strictObject({
  name: Id,
  priority: z.number().int().positive(),
  conditions: z.union([z.strictObject({ all: z.array(Condition).min(1) }), z.strictObject({ any: z.array(Condition).min(1) })]),
  event: z.strictObject({ type: z.literal('outcome'), params: OutcomeParams }),
});
export type DecisionRule = z.infer<typeof DecisionRule>;

export const DecisionFile = z.array(DecisionRule).min(1);
/** json-rules-engine requires a shared condition to be rooted in all, any or not. */
export const SharedConditions = z.record(
  Id,
  z.union([z.strictObject({ all: z.array(Condition).min(1) }), z.strictObject({ any: z.array(Condition).min(1) }), z.strictObject({ not: Condition })]),
);

export const Option = z.strictObject({
  value: Id,
  synonyms: z.array(z.string().min(1)),
  /** Answers that this one also gives when nothing else said otherwise ("过期" also means a renewal). */
  implies: z.record(z.string(), z.string()).optional(),
  /** Not an answer: show the guide and ask the same question again ("不知道"). */
  reask: z.boolean().optional(),
  guide: Id.optional(),
  /**
   * Synonyms of a re-asking option that name their subject, so they mean it even when that question is
   * not the one being asked ("不知道有没有18位代码"), where a bare "不知道" could answer anything.
   */
  unpromptedSynonyms: z.array(z.string().min(1)).optional(),
});
export type Option = z.infer<typeof Option>;

export const DateBand = z.strictObject({ value: Id, belowDays: z.number().int().optional() });

export const Question = z
  .strictObject({
    id: z.string().regex(/^[a-z][a-zA-Z0-9]*$/, 'question ids are camelCase (they are fact names)'),
    order: z.number().int().positive(),
    kind: z.enum(['choice', 'yesno']),
    date: z
      .strictObject({
        detail: z.string().min(1),
        bands: z.array(DateBand).min(1),
        /** Words that make a bare month or year ("2028年3月", "in 2028") an answer: "2026年成立" is none. */
        spanCues: z.array(z.string().min(1)).default([]),
        /** Words for a year counted from this one ("明年": 1), said before a month ("明年八月"). */
        relativeYears: z.record(z.string().min(1), z.number().int().min(-5).max(5)).default({}),
        /** Words for units of time and their length in days ("天": 1, "months": 30): "还有50天到期". */
        durationUnits: z.record(z.string().min(1), z.number().int().positive()).default({}),
        /** Words after a count that put it in the past ("十天前"). */
        durationAgo: z.array(z.string().min(1)).default([]),
        /** Words before a count that put it in the past ("过期一个月了"). */
        durationSince: z.array(z.string().min(1)).default([]),
        /** Words for a time counted from today, in days ("下周": 7, "next month": 30), read as a duration. */
        relativeDays: z.record(z.string().min(1), z.number().int().positive()).default({}),
        /** Words after a month for part of it, as its first and last day ("初": [1, 10]; 31 is the month's last): "12月初". */
        monthParts: z.record(z.string().min(1), z.tuple([z.number().int().min(1).max(31), z.number().int().min(1).max(31)])).default({}),
        /** Words for part of a year, as a month ("年底": 12), after a year word or alone (this year's): "今年年底". */
        yearParts: z.record(z.string().min(1), z.number().int().min(1).max(12)).default({}),
      })
      .optional(),
    options: z.array(Option).min(2),
    /**
     * Never asked: answered only when the user says it ("证书信息有误" is one of 4.1.1's 其他特殊情况);
     * until then the rules see the default answer.
     */
    unprompted: z.strictObject({ default: Id }).optional(),
    /**
     * Also worked out by the consultation: "yes" when the procedure's stage, begun today, would end after
     * the date in this detail (the certificate would expire before the online update's check ends).
     */
    derive: z.strictObject({ detail: z.string().min(1), procedure: Id, stage: Id }).optional(),
  })
  .refine((q) => new Set(q.options.map((o) => o.value)).size === q.options.length, { message: 'option values must be unique' })
  .refine((q) => !q.unprompted || q.options.some((o) => o.value === q.unprompted?.default), { message: 'the default of an unprompted question is one of its options' })
  .refine((q) => !q.derive || (q.kind === 'yesno' && q.unprompted), { message: 'a derived answer is an unprompted yes or no' })
  .refine((q) => q.kind !== 'yesno' || (q.options.some((o) => o.value === 'yes') && q.options.some((o) => o.value === 'no')), {
    message: 'a yesno question has options "yes" and "no"',
  });
export type Question = z.infer<typeof Question>;

export const Lexicon = z.strictObject({
  yes: z.array(z.string().min(1)).min(1),
  no: z.array(z.string().min(1)).min(1),
  ordinalWords: z.array(z.string().min(1)),
  ordinalSuffixes: z.array(z.string().min(1)),
  /** Options named by their place ("second", "最后一个"; -1 is the last). */
  ordinalNames: z.record(z.string().min(1), z.number().int().min(-1).max(20)),
  /** Words around an option number that say nothing more ("I'll take option 6", "我选第二个吧"). */
  ordinalFillers: z.array(z.string().min(1)),
  /** Words that deny what follows them in their clause ("不要", "not"): a denied answer is never given. */
  negators: z.array(z.string().min(1)),
  /** Words holding a negator that state a problem, not a denial ("无法", "cannot log in"). */
  notNegating: z.array(z.string().min(1)),
  /** Words that end a clause (and a negation's reach) where no punctuation does ("但是", "but"). */
  clauseBreaks: z.array(z.string().min(1)),
  /** Words that put options side by side ("登录密码还是pin", "A or B"): a clause that holds one asks, it does not answer by concepts. */
  alternatives: z.array(z.string().min(1)),
  /** Greetings and thanks: a message of them is neither understood nor out of scope. */
  smallTalk: z.array(z.string().min(1)),
  /** Words that say an earlier answer was wrong ("不对", "I meant"): the answer in the message replaces it. */
  corrections: z.array(z.string().min(1)),
  /** Words around a command that make a sentence a request for it ("能帮我…吗", "can I … please"). */
  commandFillers: z.array(z.string().min(1)),
});
export type Lexicon = z.infer<typeof Lexicon>;

export const Phrases = z.array(z.strictObject({ patterns: z.array(z.string().min(1)).min(1), answers: z.record(z.string(), z.string()) }));
export type Phrases = z.infer<typeof Phrases>;

/**
 * Concepts and their combinations (dialogs/concepts.json): an answer is recognised when all the concepts
 * of one combination occur, in any order, within one clause of a message.
 */
export const Concepts = z
  .strictObject({
    concepts: z.record(Id, z.array(z.string().min(1)).min(1)),
    combinations: z.array(
      z
        .strictObject({
          all: z.array(Id).min(1),
          answers: z.record(z.string(), z.string()).optional(),
          /** A question the handbook does not answer (opening hours, other licences). */
          outOfScope: z.literal(true).optional(),
        })
        .refine((c) => (c.answers === undefined) !== (c.outOfScope === undefined), { message: 'give either "answers" or "outOfScope"' }),
    ),
    tolerance: z.strictObject({
      /** Pinyin spellings that input methods confuse ("zh" typed as "z"), read as one. */
      fuzzyPinyin: z.array(z.tuple([z.string().min(1), z.string().min(1)])),
      /** Characters never taken for a typo of another (function words: "不办" is not "补办"). */
      neverTypo: z.array(z.string().length(1)),
      /** English words at least this long tolerate one edit. */
      minEnglishLength: z.number().int().min(3),
    }),
  })
  .superRefine((c, ctx) => {
    c.combinations.forEach((combo, i) =>
      combo.all.forEach((id, j) => {
        if (!c.concepts[id]) ctx.addIssue({ code: 'custom', path: ['combinations', i, 'all', j], message: `no concept "${id}" in "concepts"` });
      }),
    );
  });
export type Concepts = z.infer<typeof Concepts>;

export const CommandName = z.enum(['restart', 'back', 'help', 'human', 'lang-zh', 'lang-en', 'status', 'contact', 'reminder-cancel']);
export type CommandName = z.infer<typeof CommandName>;
export const Commands = z.record(CommandName, z.array(z.string().min(1)).min(1));

/** A locale namespace: nested objects of strings. */
export type LocaleTree = { [key: string]: string | LocaleTree };
export const LocaleTree: z.ZodType<LocaleTree> = z.lazy(() => z.record(z.string(), z.union([z.string(), LocaleTree])));

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const NAMESPACES = ['ui', 'questions', 'procedures', 'materials', 'outcomes', 'common', 'guides', 'lifecycle', 'desk'] as const;
export type Namespace = (typeof NAMESPACES)[number];

const weekdayOf = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();
const datesOf = (from: string, to: string): string[] => {
  const out: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); d.toISOString().slice(0, 10) <= to && out.length < 366; d.setUTCDate(d.getUTCDate() + 1)) out.push(d.toISOString().slice(0, 10));
  return out;
};

/**
 * rules/calendar/<year>.json: a year's arrangement as the State Council publishes it (国务院办公厅关于
 * <year>年部分节假日安排的通知): the days off, each holiday a range, and the make-up working days (调休上班),
 * each a Saturday or Sunday. Its dates may reach into the neighbouring years (a New Year holiday from
 * 30 December), never further.
 */
export const CalendarYear = z
  .strictObject({
    year: z.number().int().min(2000).max(2100),
    /** The notice it was copied from, with its number and date, so that anyone can check it. */
    source: z.string().min(1),
    holidays: z.array(z.strictObject({ name: z.string().min(1), from: IsoDate, to: IsoDate })).min(1),
    workdays: z.array(z.strictObject({ name: z.string().min(1), date: IsoDate })),
  })
  .superRefine((c, ctx) => {
    const near = (date: string) => Math.abs(Number(date.slice(0, 4)) - c.year) <= 1;
    const off = new Set<string>();
    c.holidays.forEach((h, i) => {
      if (h.from > h.to) ctx.addIssue({ code: 'custom', path: ['holidays', i, 'to'], message: `ends before it begins (${h.from})` });
      for (const [key, date] of [
        ['from', h.from],
        ['to', h.to],
      ] as const)
        if (!near(date)) ctx.addIssue({ code: 'custom', path: ['holidays', i, key], message: `${date} is not in or next to ${c.year}` });
      for (const d of datesOf(h.from, h.to)) off.add(d);
    });
    c.workdays.forEach((w, i) => {
      if (!near(w.date)) ctx.addIssue({ code: 'custom', path: ['workdays', i, 'date'], message: `${w.date} is not in or next to ${c.year}` });
      if (![0, 6].includes(weekdayOf(w.date)))
        ctx.addIssue({ code: 'custom', path: ['workdays', i, 'date'], message: `${w.date} is a weekday: a make-up working day (调休上班) is a Saturday or Sunday` });
      if (off.has(w.date)) ctx.addIssue({ code: 'custom', path: ['workdays', i, 'date'], message: `${w.date} is also a day off` });
    });
  });
export type CalendarYear = z.infer<typeof CalendarYear>;
