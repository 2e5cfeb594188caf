import {
  COST_CATEGORIES,
  CostSignal,
  type CostCategory,
  type CostSignalSnapshot,
} from '@obs/domain';
import { AggregateStore, type UnitOfWork } from '@obs/service-kit';
import { EntitySchema, type DataSource } from 'typeorm';
import { amountOfMicros, microsOf, normalizeAmount } from './money.js';
import { kindOfPeriod, type PeriodKind } from './periods.js';

/** An anomaly as stored (amounts as exact decimal strings, like the API shows them). */
export interface StoredAnomaly {
  category: CostCategory;
  detectedAt: string;
  deltaPct: number;
  baseline: string;
  observed: string;
  traceIds: string[];
}

/** One column per category (null: no cost line of it in the period), so SQL can check the sum. */
export interface CostSignalRow {
  id: string;
  tenantId: string;
  projectId: string;
  periodKind: PeriodKind;
  periodStart: Date;
  periodEnd: Date;
  currency: string;
  total: string;
  model_inference: string | null;
  compute: string | null;
  storage: string | null;
  network: string | null;
  anomalies: StoredAnomaly[];
  computedAt: Date;
  version: number;
}

const amountColumn = (name: CostCategory) =>
  ({ type: 'numeric', precision: 24, scale: 6, name, nullable: true }) as const;

export const CostSignalEntity = new EntitySchema<CostSignalRow>({
  name: 'CostSignal',
  tableName: 'cost_signals',
  columns: {
    id: { type: 'text', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    projectId: { type: 'text', name: 'project_id' },
    periodKind: { type: 'text', name: 'period_kind' },
    periodStart: { type: 'timestamptz', name: 'period_start' },
    periodEnd: { type: 'timestamptz', name: 'period_end' },
    currency: { type: 'text' },
    total: { type: 'numeric', precision: 24, scale: 6 },
    model_inference: amountColumn('model_inference'),
    compute: amountColumn('compute'),
    storage: amountColumn('storage'),
    network: amountColumn('network'),
    anomalies: { type: 'jsonb' },
    computedAt: { type: 'timestamptz', name: 'computed_at' },
    version: { type: 'integer' },
  },
});

export function toCostSignalRow(snapshot: CostSignalSnapshot, version: number): CostSignalRow {
  const amounts = new Map(
    snapshot.breakdown.map((l) => [l.category, amountOfMicros(l.amountMicros)]),
  );
  return {
    id: snapshot.costSignalId,
    tenantId: snapshot.tenantId,
    projectId: snapshot.projectId,
    periodKind: kindOfPeriod(snapshot.period),
    periodStart: new Date(snapshot.period.start),
    periodEnd: new Date(snapshot.period.end),
    currency: snapshot.currency,
    total: amountOfMicros(snapshot.totalMicros),
    model_inference: amounts.get('model_inference') ?? null,
    compute: amounts.get('compute') ?? null,
    storage: amounts.get('storage') ?? null,
    network: amounts.get('network') ?? null,
    anomalies: snapshot.anomalies.map((a) => ({
      category: a.category,
      detectedAt: a.detectedAt,
      deltaPct: a.deltaPct,
      baseline: amountOfMicros(a.baselineMicros),
      observed: amountOfMicros(a.observedMicros),
      traceIds: [...a.traceIds],
    })),
    computedAt: new Date(snapshot.computedAt),
    version,
  };
}

/** The breakdown lines of a row, in canonical category order, amounts normalised. */
export function breakdownOfRow(row: CostSignalRow): { category: CostCategory; amount: string }[] {
  return COST_CATEGORIES.flatMap((category) => {
    const amount = row[category];
    return amount === null ? [] : [{ category, amount: normalizeAmount(amount) }];
  });
}

/**
 * Row → snapshot with the columns as stored; `CostSignal.rehydrate` re-checks every invariant
 * (total = sum, id derived from the scope, anomalies on existing categories).
 */
export function toSnapshot(row: CostSignalRow): CostSignalSnapshot {
  return {
    costSignalId: row.id,
    tenantId: row.tenantId,
    projectId: row.projectId,
    period: { start: row.periodStart.toISOString(), end: row.periodEnd.toISOString() },
    currency: row.currency,
    totalMicros: microsOf(row.total),
    breakdown: breakdownOfRow(row).map((l) => ({
      category: l.category,
      amountMicros: microsOf(l.amount),
    })),
    anomalies: row.anomalies.map((a) => ({
      category: a.category,
      detectedAt: a.detectedAt,
      deltaPct: a.deltaPct,
      baselineMicros: microsOf(a.baseline),
      observedMicros: microsOf(a.observed),
      traceIds: a.traceIds,
    })),
    computedAt: row.computedAt.toISOString(),
  };
}

export type CostSignalStore = AggregateStore<CostSignal, CostSignalRow>;

export function costSignalStore(dataSource: DataSource, uow: UnitOfWork): CostSignalStore {
  return new AggregateStore(dataSource, uow, {
    resource: 'cost signal',
    entity: CostSignalEntity,
    toRow: (signal, version) => toCostSignalRow(signal.toSnapshot(), version),
    toAggregate: (row) => CostSignal.rehydrate(toSnapshot(row)),
  });
}
