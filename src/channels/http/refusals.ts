import { CaseInputError } from '../../cases/errors.js';
import { BodyError } from '../../http/json-body.js';
import type { Translate } from '../../i18n.js';

export interface Refusal {
  status: number;
  code: string;
  message: string;
  extra?: Record<string, unknown>;
  /** The rest of the body was never read: the connection goes with the answer. */
  close?: boolean;
}

/** How a request the case refused (a missing remark, an unknown material) or a body that did not read is answered, in words. */
export function inputRefusal(err: unknown, t: Translate): Refusal | undefined {
  if (err instanceof CaseInputError) {
    const message =
      err.code === 'remarkRequired'
        ? t('ui:agentApi.remarkRequired')
        : err.code === 'unknownStatus'
          ? t('ui:agentApi.unknownStatus')
          : err.code === 'unknownMaterial'
            ? t('ui:agentApi.unknownMaterial', { detail: err.detail })
            : t('ui:agentApi.resubmitNotRejection');
    return { status: 400, code: err.code, message, extra: { detail: err.detail, ...(err.allowed ? { allowed: err.allowed } : {}) } };
  }
  if (err instanceof BodyError) {
    if (err.kind === 'tooLarge') return { status: 413, code: 'BodyTooLarge', message: t('ui:agentApi.bodyTooLarge'), close: true };
    if (err.kind === 'notJson') return { status: 415, code: 'NotJson', message: t('ui:agentApi.notJson') };
    if (err.kind === 'encoded') return { status: 415, code: 'UnsupportedMediaType', message: t('ui:errors.contentEncoding') };
    return { status: 400, code: 'BadJson', message: t('ui:agentApi.badJson') };
  }
  return undefined;
}
