import type { LoggerOptions } from 'pino';

/**
 * pino options shared by every service. Credentials never reach the logs: the Authorization
 * header, cookies and any field named like a token are censored wherever they appear.
 */
export function loggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        '*.token',
        '*.accessToken',
        '*.password',
        '*.secret',
        'token',
      ],
      censor: '[redacted]',
    },
  };
}
