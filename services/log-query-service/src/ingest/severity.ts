import type { LogLevel } from '@obs/domain';

/**
 * OTLP severityNumber (1-24, in four steps per level) to Serilog's level. 0 (unspecified) reads
 * severityText the way the Collector's Serilog/Logback mappings do, and falls back to Information.
 */
export function levelOfSeverity(
  severityNumber: number | undefined,
  text: string | undefined,
): LogLevel {
  const n = severityNumber ?? 0;
  if (n >= 21) return 'Fatal';
  if (n >= 17) return 'Error';
  if (n >= 13) return 'Warning';
  if (n >= 9) return 'Information';
  if (n >= 5) return 'Debug';
  if (n >= 1) return 'Verbose';
  return levelOfText(text);
}

const TEXT_LEVELS: Readonly<Record<string, LogLevel>> = {
  trace: 'Verbose',
  verbose: 'Verbose',
  debug: 'Debug',
  info: 'Information',
  information: 'Information',
  warn: 'Warning',
  warning: 'Warning',
  error: 'Error',
  fatal: 'Fatal',
  critical: 'Fatal',
};

function levelOfText(text: string | undefined): LogLevel {
  return TEXT_LEVELS[(text ?? '').trim().toLowerCase()] ?? 'Information';
}
