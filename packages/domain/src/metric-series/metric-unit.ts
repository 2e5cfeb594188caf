import { ensure } from '../kernel/domain-error.js';

/** OpenTelemetry limits units to 63 printable ASCII characters; empty means "unspecified". */
const UNIT_PATTERN = /^[\x20-\x7e]{0,63}$/;

const TIME_UNITS = ['ns', 'us', 'ms', 's', 'min', 'h', 'd'];
const DATA_UNITS = ['', 'k', 'K', 'M', 'G', 'T', 'Ki', 'Mi', 'Gi', 'Ti'].flatMap((prefix) => [
  `${prefix}By`,
  `${prefix}bit`,
]);
const NON_NEGATIVE_TERMS = new Set(['1', '%', ...TIME_UNITS, ...DATA_UNITS]);

export function metricUnit(value: string): string {
  ensure(
    UNIT_PATTERN.test(value),
    'metric.invalid_unit',
    'unit must be at most 63 printable ASCII characters (UCUM, as OpenTelemetry uses)',
    { unit: value },
  );
  return value;
}

/**
 * Units that measure an amount, which cannot be negative: durations, data sizes, `1` and `%`,
 * pure annotations such as `{request}` (counts), and any ratio of those (`By/s`, `{request}/s`).
 * Annotations are ignored inside a term (`By{compressed}` is bytes). Every other unit (`Cel`,
 * `USD`, custom or empty) may go below zero, so the domain does not guess.
 */
export function isNonNegativeUnit(unit: string): boolean {
  if (unit === '') return false;
  return unit.split('/').every((term) => {
    const bare = term.replace(/\{[^}]*\}/g, '');
    return bare === '' || NON_NEGATIVE_TERMS.has(bare);
  });
}

export function valueForUnit(value: number, unit: string): number {
  ensure(Number.isFinite(value), 'metric.invalid_value', 'metric values must be finite numbers', {
    value,
  });
  ensure(
    value >= 0 || !isNonNegativeUnit(unit),
    'metric.value_inconsistent_with_unit',
    `values in unit "${unit}" cannot be negative`,
    { value, unit },
  );
  return value === 0 ? 0 : value;
}
