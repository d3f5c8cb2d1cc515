import { z } from 'zod';
import { Id, LANGUAGES } from '../knowledge/schema.js';
import { Target } from './notify-target.js';
import { REFERENCE_PATTERN } from './reference.js';

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const Timestamp = z.iso.datetime({ offset: true });

export const Contact = z.strictObject({
  enterpriseName: z.string().min(1).max(100).optional(),
  creditCode: z.string().length(18).optional(),
  /** The code failed the GB 32100-2015 check and the user confirmed it as written. */
  creditCodeCheckFailed: z.boolean().optional(),
  mobile: z
    .string()
    .regex(/^1[3-9]\d{9}$/)
    .optional(),
});
export type Contact = z.infer<typeof Contact>;

export const StatusChange = z.strictObject({
  status: Id,
  at: Timestamp,
  /** The Beijing date of the change, shown to the enterprise. */
  on: IsoDate,
  /** Who made the change: an agent's name, or absent for the assistant itself. */
  agent: z.string().min(1).max(100).optional(),
  remark: z.string().min(1).max(2000).optional(),
  /** Materials to submit again after a rejection (material ids of the case's procedures). */
  resubmit: z.array(Id).optional(),
  /** The answers were changed before submission: the procedures the case named until then. */
  changedFrom: z.array(Id).optional(),
  /** With changedFrom: each answer that changed, as it was and as it is (absent: not asked then, or no longer). */
  changedAnswers: z
    .array(z.strictObject({ question: z.string().min(1).max(100), from: z.string().min(1).max(100).optional(), to: z.string().min(1).max(100).optional() }))
    .max(50)
    .optional(),
});
export type StatusChange = z.infer<typeof StatusChange>;

export const ExpectedStage = z.strictObject({
  stage: Id,
  actor: z.enum(['authority', 'provider']),
  workingDays: z.number().int().positive(),
  start: IsoDate,
  end: IsoDate,
  /** False when the official calendar does not cover the dates: weekends skipped, holidays not. */
  holidaysCounted: z.boolean(),
});
export type ExpectedStage = z.infer<typeof ExpectedStage>;

/** 128 random bits, base64url. */
export const CHECKLIST_KEY_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** One line of the conversation that led to a case: what the user wrote, what the assistant said, as plain text. */
export const TranscriptEntry = z.strictObject({ from: z.enum(['user', 'bot']), text: z.string().max(4000), at: Timestamp });
export type TranscriptEntry = z.infer<typeof TranscriptEntry>;

export const CaseRecord = z.strictObject({
  reference: z.string().regex(REFERENCE_PATTERN, 'must be a case reference EK-YYYYMMDD-XXXXXX'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  /** The decision rule that gave the outcome, and the answers that decided it, in the order asked. */
  rule: Id,
  why: z.array(z.strictObject({ question: z.string().min(1), answer: z.string().min(1) })),
  /** Every answer of the consultation and its details (an expiry date): enough to rebuild the outcome. */
  answers: z.record(z.string(), z.string()),
  details: z.record(z.string(), z.string()),
  procedures: z.array(Id),
  lifecycle: Id,
  /** The procedure whose stages time the case. */
  tracked: Id.optional(),
  status: Id,
  history: z.array(StatusChange).min(1),
  expected: z.array(ExpectedStage),
  channel: z.string().min(1).max(40),
  lang: z.enum(LANGUAGES),
  /** The capability in the checklist's link: without it a reference opens nothing (cases made before it have none). */
  checklistKey: z.string().regex(CHECKLIST_KEY_PATTERN).optional(),
  contact: Contact.optional(),
  /** When the contact details were erased (on request, or once the case had been closed long enough). */
  contactErasedAt: Timestamp.optional(),
  /** The enterprise asked for a person (转人工): the helpdesk calls back. */
  callback: z
    .strictObject({
      requestedAt: Timestamp,
      doneAt: Timestamp.optional(),
      doneBy: z.string().min(1).max(100).optional(),
      /** The agent who took it on, so that two do not call the same enterprise. */
      claimedBy: z.string().min(1).max(100).optional(),
      claimedAt: Timestamp.optional(),
    })
    .optional(),
  /** Counts the changes to the case: a change asked against an older count is refused (two agents at once). */
  version: z.number().int().min(0).optional(),
  /** The agent who guided the caller through the consultation that opened the case (agent-assisted). */
  agent: z.string().min(1).max(100).optional(),
  /** The conversation's last turns when the case was opened or a person was asked for: personal data, erased with the contact. */
  transcript: z.array(TranscriptEntry).max(40).optional(),
  /** Where the enterprise is told of the case's moves: the channel and conversation it was opened in. */
  notify: Target.optional(),
});
export type CaseRecord = z.infer<typeof CaseRecord>;

/**
 * The record as a store keeps it; nothing that fails the schema is ever stored (in files it would stop
 * the next start-up). Every object of the schema is strict, so what comes back is zod's own deep copy:
 * the store keeps it, and the record given in stays the caller's, which saves a store a copy per write.
 */
export function storableRecord(record: CaseRecord, reference: string): CaseRecord {
  const parsed = CaseRecord.safeParse(record);
  if (!parsed.success) throw new Error(`case ${reference} does not match the case schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  if (parsed.data.reference !== reference) throw new Error(`case ${reference} cannot change its reference`);
  return parsed.data;
}

/** One segment file of the store: at most SEGMENT_CAPACITY cases created in one month. */
export const SegmentData = z.strictObject({
  format: z.literal(1),
  month: z.string().regex(/^\d{4}-\d{2}$/),
  cases: z.array(CaseRecord),
});
export type SegmentData = z.infer<typeof SegmentData>;
