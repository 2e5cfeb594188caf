import { ensure } from '../kernel/domain-error.js';

/** Serilog's levels, least to most severe; the order is what `minimum level` filters rely on. */
export const LOG_LEVELS = ['Verbose', 'Debug', 'Information', 'Warning', 'Error', 'Fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function logLevel(value: string): LogLevel {
  ensure(
    (LOG_LEVELS as readonly string[]).includes(value),
    'log_reference.invalid_level',
    `level must be one of ${LOG_LEVELS.join(', ')}`,
    { value },
  );
  return value as LogLevel;
}

/** True when `level` passes a "minimum level" filter, as Serilog's MinimumLevel does. */
export function logLevelAtLeast(level: LogLevel, minimum: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(minimum);
}
