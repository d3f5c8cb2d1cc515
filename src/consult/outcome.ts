import type { Actor, Guide, MaterialUse, Stage } from '../knowledge/schema.js';

/** A material as the enterprise must prepare it: one document, with the handbook's requirements. */
export interface MaterialItem extends Omit<MaterialUse, 'material' | 'byEnterpriseType'> {
  material: string;
  /** Set when the document was chosen by the enterprise's type (exactly one of 备案登记表 / 批准证书). */
  chosenBy?: 'enterpriseType';
}

export interface ProcedureStep {
  id: string;
  actor: Actor;
  stage?: string;
  /** Index (0-based) of the step to go back to when this verification is not passed. */
  onFail?: number;
}

export interface ProcedurePlan {
  id: string;
  section: string;
  steps: ProcedureStep[];
  materials: MaterialItem[];
  stages: Stage[];
  courierToAuthority: boolean;
  notes: string[];
  /** The default passwords, where the handbook gives them for this procedure. */
  passwords: { system: string; password: string }[];
  contacts: { id: string; kind: 'phone' | 'url'; value: string }[];
  related: string[];
}

/** The structured answer of a consultation: ids and facts only, rendered to words per locale. */
export interface Outcome {
  /** The rule that decided it. */
  rule: string;
  /** The answers that decided it, in the order they were asked. */
  why: { question: string; answer: string }[];
  details: Record<string, string>;
  procedures: ProcedurePlan[];
  guide?: Guide;
  /** A login-password question: the default passwords of the systems. */
  passwords?: { system: string; password: string }[];
  notYet?: { procedure: string; daysBeforeExpiry: number; expiryDate?: string; availableFrom?: string };
  /** Contacts for outcomes that name no procedure. */
  contacts: { id: string; kind: 'phone' | 'url'; value: string }[];
}
