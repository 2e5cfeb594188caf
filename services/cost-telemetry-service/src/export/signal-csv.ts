import { COST_CATEGORIES } from '@obs/domain';
import type { CostSignalView } from '../cost-signal.view.js';

/** The CSV columns of an export, in order (documented in docs/services/cost-telemetry.md). */
export const CSV_COLUMNS = [
  'id',
  'projectId',
  'period',
  'periodStart',
  'periodEnd',
  'currency',
  'total',
  ...COST_CATEGORIES,
  'anomalyCategories',
  'computedAt',
  'version',
] as const;

/**
 * One RFC 4180 cell. A text cell that a spreadsheet would run as a formula (=, +, -, @, tab,
 * CR first) is prefixed with a quote (OWASP CSV injection); amounts and dates never start so.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvRow(signal: CostSignalView): string {
  const amounts = new Map(signal.breakdown.map((l) => [l.category, l.amount]));
  const cells = [
    signal.id,
    signal.projectId,
    signal.period,
    signal.periodStart,
    signal.periodEnd,
    signal.currency,
    signal.total,
    ...COST_CATEGORIES.map((category) => amounts.get(category) ?? ''),
    signal.anomalies.map((a) => a.category).join(' '),
    signal.computedAt,
    String(signal.version),
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}
