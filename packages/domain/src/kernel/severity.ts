import { ensure } from './domain-error.js';

export const SEVERITIES = ['info', 'warning', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severity(value: string): Severity {
  ensure(
    (SEVERITIES as readonly string[]).includes(value),
    'severity.invalid',
    `severity must be one of ${SEVERITIES.join(', ')}`,
    {
      value,
    },
  );
  return value as Severity;
}

/** Orders severities so the worse of two can be chosen (critical > high > warning > info). */
export function severityRank(value: Severity): number {
  return SEVERITIES.indexOf(value);
}
