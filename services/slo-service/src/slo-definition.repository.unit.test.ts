import { SloDefinition } from '@obs/domain';
import { describe, expect, it } from 'vitest';
import { toSloRow, toSloSnapshot } from './slo-definition.repository.js';
import { statusOfSnapshot } from './slo.view.js';

function evaluated(target: number, good: number, total: number): SloDefinition {
  const slo = SloDefinition.create({
    sloId: '9c3f5b1a-2e4d-4f6a-8b7c-1d2e3f4a5b6c',
    tenantId: 'acme',
    projectId: 'checkout',
    name: 'Checkout availability',
    indicator: {
      kind: 'ratio',
      goodMetric: 'checkout.requests.good',
      totalMetric: 'checkout.requests',
      filter: { service: 'payments-api' },
    },
    target,
    windowMinutes: 60,
    createdAt: '2025-01-01T00:00:00.000Z',
  });
  slo.scheduleMaintenance({
    id: 'mw-1',
    start: '2025-01-01T01:00:00Z',
    end: '2025-01-01T02:00:00Z',
    reason: null,
  });
  slo.evaluate({ window: { good, total } }, '2025-01-01T00:30:00Z');
  return slo;
}

describe('the SLO mapper', () => {
  it('round-trips a snapshot through its row, deriving the indexed metric names', () => {
    const snapshot = evaluated(99, 995, 1_000).toSnapshot();
    const row = toSloRow(snapshot, 4);
    expect(row).toMatchObject({
      id: snapshot.sloId,
      metricNames: ['checkout.requests', 'checkout.requests.good'],
      lastEvaluatedAt: new Date('2025-01-01T00:30:00.000Z'),
      createdAt: new Date('2025-01-01T00:00:00.000Z'),
      version: 4,
    });
    expect(toSloSnapshot(row)).toEqual(snapshot);
    expect(SloDefinition.rehydrate(toSloSnapshot(row)).toSnapshot()).toEqual(snapshot);
  });

  it('copies nested values, so a row never aliases the aggregate', () => {
    const snapshot = evaluated(99, 995, 1_000).toSnapshot();
    const row = toSloRow(snapshot, 1);
    expect(row.indicator.filter).not.toBe(snapshot.indicator.filter);
    expect(row.maintenanceWindows[0]).not.toBe(snapshot.maintenanceWindows[0]);
  });
});

describe('the status view', () => {
  it.each([
    [99, 995, 1_000, 50],
    [99, 1_000, 1_000, 100],
    [99, 900, 1_000, 0],
    [100, 1_000, 1_000, 100],
    [100, 999, 1_000, 0],
  ])('target %s, %s good of %s → %s %% of the budget left', (target, good, total, pct) => {
    const view = statusOfSnapshot(evaluated(target, good, total).toSnapshot(), 2);
    expect(view.budgetRemainingPct).toBeCloseTo(pct, 10);
    expect(view).toMatchObject({ totalEvents: total, badEvents: total - good, version: 2 });
  });
});
