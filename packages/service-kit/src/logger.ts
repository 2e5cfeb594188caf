import type { LoggerOptions } from 'pino';

/**
 * pino options shared by every service. Credentials never reach the logs: the Authorization
 * header, cookies and any field named like a token are censored wherever they appear.
 */
export function loggerOptions(service: string, level: string, pretty = false): LoggerOptions {
  return {
    level,
    // Development consoles are read by people; production keeps one JSON object per line.
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true },
          },
        }
      : {}),
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
