import { z } from 'zod';
import { Id } from './schema.js';

export const LifecycleStatus = z.strictObject({
  id: Id,
  /** While the case has this status, the working days of this actor's stage run (expected dates). */
  stage: z.enum(['authority', 'provider']).optional(),
  /** Not passed (核验未通过, 复核未通过): the remark says why, and may name the materials to resubmit. */
  rejection: z.boolean().optional(),
  /** Whether entering this status needs the agent's remark. */
  remark: z.enum(['required', 'optional']).default('optional'),
  /** Nothing follows: the key is in hand, the certificate revoked, or the case closed. */
  final: z.boolean().optional(),
});
export type LifecycleStatus = z.infer<typeof LifecycleStatus>;

/** rules/lifecycle/<id>.json: the statuses a case goes through and which may follow which. */
export const Lifecycle = z.strictObject({
  id: Id,
  /** When an outcome names procedures of several lifecycles, the case follows the highest. */
  priority: z.number().int().min(0),
  procedures: z.array(Id),
  /** The lifecycle of outcomes that name no procedure (a guide, default passwords, "not yet"). */
  withoutProcedure: z.boolean().optional(),
  /**
   * Statuses whose words name what the provider does, which differs by procedure (制作, 更新, 解锁, 变更信息):
   * their texts are "<status>_<wording>" in locales/<lang>/lifecycle.json, chosen by the procedure the case follows.
   */
  wording: z
    .strictObject({
      statuses: z.array(Id).min(1),
      byProcedure: z.record(Id, Id),
    })
    .optional(),
  initial: Id,
  statuses: z.array(LifecycleStatus).min(2),
  transitions: z.record(Id, z.array(Id).min(1)),
});
export type Lifecycle = z.infer<typeof Lifecycle>;
