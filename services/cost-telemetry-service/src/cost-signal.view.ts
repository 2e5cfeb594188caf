import type { CostCategory } from '@obs/domain';
import { breakdownOfRow, type CostSignalRow } from './cost-signal.repository.js';
import { normalizeAmount } from './money.js';
import type { PeriodKind } from './periods.js';

/** The signal as the API shows it: amounts as exact decimal strings, the stored version. */
export interface CostSignalView {
  readonly id: string;
  readonly tenantId: string;
  readonly projectId: string;
  readonly period: PeriodKind;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly currency: string;
  readonly total: string;
  readonly breakdown: { readonly category: CostCategory; readonly amount: string }[];
  readonly anomalies: {
    readonly category: CostCategory;
    readonly detectedAt: string;
    readonly deltaPct: number;
    readonly baseline: string;
    readonly observed: string;
    readonly traceIds: string[];
  }[];
  readonly computedAt: string;
  readonly version: number;
}

export function viewOfRow(row: CostSignalRow): CostSignalView {
  return {
    id: row.id,
    tenantId: row.tenantId,
    projectId: row.projectId,
    period: row.periodKind,
    periodStart: row.periodStart.toISOString(),
    periodEnd: row.periodEnd.toISOString(),
    currency: row.currency,
    total: normalizeAmount(row.total),
    breakdown: breakdownOfRow(row),
    anomalies: row.anomalies.map((a) => ({ ...a, traceIds: [...a.traceIds] })),
    computedAt: row.computedAt.toISOString(),
    version: row.version,
  };
}
