import type { Response } from 'restify';
import type { Translate } from '../i18n.js';
import { BodyError } from './json-body.js';

/** A reason in the words of locales/ (a key of the ui namespace and its parameters), said in the language of the request refused. */
export interface Reason {
  key: string;
  params?: Record<string, string | number>;
}

export interface RefusalOptions {
  /** Seconds after which the caller may try again (429, 503). */
  retryAfterSeconds?: number;
  /** The rest of the body was never read: the connection goes with the answer. */
  close?: boolean;
}

/**
 * A request refused, for every channel alike: the status, a code for programs (the protocol's own word,
 * stable), and a reason for people that is put into words only when the answer is sent, in the language
 * of the request. The error's own message is the key, for a log line that must not hold the caller's text.
 */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly reason: Reason,
    readonly options: RefusalOptions = {},
  ) {
    super(reason.key);
    this.name = 'Refusal';
  }
}

/** How the answer carries code and reason: `{code, message}` (Bot Framework, WeChat, the agent API) unless a protocol says otherwise. */
export type RefusalShape = (code: string, message: string) => unknown;

const flat: RefusalShape = (code, message) => ({ code, message });

/** The one way a refusal is answered: status, the headers it calls for, and the reason in the caller's language. */
export function sendRefusal(res: Response, r: Refusal, t: Translate, shape: RefusalShape = flat): void {
  if (r.options.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(r.options.retryAfterSeconds));
  if (r.options.close) res.setHeader('Connection', 'close');
  res.status(r.status);
  res.json(shape(r.code, t(r.reason.key, r.reason.params)));
}

/** Protocol codes for the ways a body can fail to read; each endpoint keeps the words its clients know. */
export interface BodyCodes {
  tooLarge: string;
  encoded: string;
  notJson: string;
  /** Empty, too deep, or not JSON at all. */
  bad: string;
}

const BODY_CODES: BodyCodes = { tooLarge: 'PayloadTooLarge', encoded: 'UnsupportedMediaType', notJson: 'UnsupportedMediaType', bad: 'BadRequest' };

/** A body that did not read (src/http/json-body.ts), as a refusal whose reason names the limit it passed. */
export function bodyRefusal(err: BodyError, codes: BodyCodes = BODY_CODES): Refusal {
  switch (err.kind) {
    case 'tooLarge':
      return new Refusal(413, codes.tooLarge, { key: 'ui:errors.bodyTooLarge', params: { limit: err.detail } }, { close: true });
    case 'encoded':
      return new Refusal(415, codes.encoded, { key: 'ui:errors.contentEncoding' }, { close: true });
    case 'notJson':
      return new Refusal(415, codes.notJson, { key: 'ui:refusals.notJson' });
    case 'empty':
      return new Refusal(400, codes.bad, { key: 'ui:refusals.emptyBody' });
    case 'tooDeep':
      return new Refusal(400, codes.bad, { key: 'ui:refusals.tooDeep', params: { depth: err.detail } });
    default:
      return new Refusal(400, codes.bad, { key: 'ui:refusals.badJson' });
  }
}

/** A refusal as is, a body error as its refusal, anything else undefined (a fault, answered 500). */
export function asRefusal(err: unknown, codes?: BodyCodes): Refusal | undefined {
  if (err instanceof Refusal) return err;
  if (err instanceof BodyError) return bodyRefusal(err, codes);
  return undefined;
}

/**
 * The reason of an error restify raised itself (no route, a method the route does not take), in the
 * request's language; a fault's own words stay in the log, and its caller reads that it was internal.
 */
export function routerReason(err: Error & { statusCode?: number }, method: string | undefined, t: Translate): string {
  if (err.name === 'MethodNotAllowedError') return t('ui:refusals.methodNotAllowed', { method: method ?? '' });
  if (err.name === 'ResourceNotFoundError') return t('ui:refusals.notFound');
  return err.statusCode && err.statusCode < 500 ? err.message : t('ui:refusals.internal');
}
