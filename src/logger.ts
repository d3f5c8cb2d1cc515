import { pino, type Logger } from 'pino';

/**
 * Structured JSON logs. Whatever a caller passes, fields that may carry personal data or secrets are
 * censored: the logs of a government service must hold neither.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'ekey-assistant' },
      redact: {
        paths: [
          'text',
          '*.text',
          'mobile',
          '*.mobile',
          'creditCode',
          '*.creditCode',
          'enterpriseName',
          '*.enterpriseName',
          'authorization',
          '*.authorization',
          'req.headers.authorization',
          'token',
          '*.token',
          'secret',
          '*.secret',
          'password',
          '*.password',
          // What restify itself logs: a throttled request's URL (a query may hold a searched mobile number),
          // whole request and response objects, and whatever value a handler returned.
          'url',
          'req',
          'res',
          'value',
        ],
        censor: '[redacted]',
      },
    },
    destination as never,
  );
}
export type { Logger };
