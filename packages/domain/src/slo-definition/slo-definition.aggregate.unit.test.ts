import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import {
  BURN_EVENT_BUCKET_MS,
  MAX_BURN_EVENTS,
  MAX_MAINTENANCE_WINDOWS,
  SloDefinition,
  type CreateSloDefinitionInput,
  type SloDefinitionSnapshot,
} from './slo-definition.aggregate.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

/** JSON.stringify turns NaN/Infinity into null, so look at the numbers themselves. */
function allFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(allFinite);
  if (value !== null && typeof value === 'object') return Object.values(value).every(allFinite);
  return true;
}

const input: CreateSloDefinitionInput = {
  sloId: 'slo-1',
  tenantId: 'acme',
  projectId: 'proj-1',
  name: 'API availability',
  indicator: {
    kind: 'ratio',
    goodMetric: 'http.requests.good',
    totalMetric: 'http.requests',
    filter: {},
  },
  target: 99.9,
  windowMinutes: 43_200,
  createdAt: '2025-01-01T00:00:00.000Z',
};

const ok = { good: 100_000, total: 100_000 };
const exhausted = { good: 99_800, total: 100_000 };

describe('SloDefinition.create', () => {
  it('starts healthy with its whole budget and publishes nothing', () => {
    const slo = SloDefinition.create(input);
    expect(slo.id).toBe('slo-1');
    expect(slo.toSnapshot()).toMatchObject({
      errorBudget: 0.1,
      budgetRemaining: 0.1,
      status: 'healthy',
      badPct: 0,
      lastEvaluatedAt: null,
      burnEvents: [],
    });
    expect(slo.pullEvents()).toEqual([]);
  });

  it.each([
    [{ target: 0 }, 'slo.invalid_target'],
    [{ target: 100.5 }, 'slo.invalid_target'],
    [{ windowMinutes: 0 }, 'slo.invalid_window'],
    [{ windowMinutes: -60 }, 'slo.invalid_window'],
    [{ windowMinutes: 1.5 }, 'slo.invalid_window'],
    [{ name: ' ' }, 'slo.name_required'],
    [{ projectId: '' }, 'slo.project_required'],
    [{ sloId: '' }, 'slo.invalid_id'],
    [{ tenantId: '' }, 'tenant.invalid_id'],
    [
      { indicator: { kind: 'ratio', goodMetric: '', totalMetric: 'y', filter: {} } },
      'slo.invalid_indicator',
    ],
  ] as const)('refuses %j with %s', (overrides, code) => {
    expect(codeOf(() => SloDefinition.create({ ...input, ...overrides }))).toBe(code);
  });

  it.each([100, 0.5, 99.999])('accepts target %s', (target) => {
    expect(SloDefinition.create({ ...input, target }).toSnapshot().target).toBe(target);
  });

  it('accepts a one-minute window', () => {
    expect(SloDefinition.create({ ...input, windowMinutes: 1 }).toSnapshot().windowMinutes).toBe(1);
  });
});

describe('SloDefinition.evaluate', () => {
  it('records SloBreached once per breach with the contract payload', () => {
    const slo = SloDefinition.create(input);
    slo.evaluate({ window: ok }, '2025-01-01T00:00:00Z');
    expect(slo.pullEvents()).toEqual([]);

    const evaluation = slo.evaluate({ window: exhausted }, '2025-01-01T01:00:00Z');
    expect(evaluation.status).toBe('breached');
    expect(slo.pullEvents()).toEqual([
      {
        eventType: 'SloBreached',
        aggregateType: 'SloDefinition',
        aggregateId: 'slo-1',
        tenantId: 'acme',
        traceId: null,
        occurredAt: '2025-01-01T01:00:00.000Z',
        payload: {
          sloId: 'slo-1',
          projectId: 'proj-1',
          name: 'API availability',
          target: 99.9,
          windowMinutes: 43_200,
          errorBudget: 0.1,
          budgetRemaining: 0,
          badPct: 0.2,
          breachedAt: '2025-01-01T01:00:00.000Z',
          // A ratio SLI guards reliability (issue 29: the dimension comes from the SLO, not its name).
          dimension: 'reliability',
        },
      },
    ]);

    slo.evaluate({ window: exhausted }, '2025-01-01T02:00:00Z');
    expect(slo.pullEvents()).toEqual([]);
    expect(slo.toSnapshot()).toMatchObject({ status: 'breached', budgetRemaining: 0 });
  });

  it('names the dimension the SLO declares, else its SLI default, and a replacement that leaves it out goes back to the default', () => {
    const declared = SloDefinition.create({ ...input, qualityDimension: 'performance' });
    declared.evaluate({ window: exhausted }, '2025-01-01T01:00:00Z');
    expect(declared.pullEvents()[0]?.payload).toMatchObject({ dimension: 'performance' });
    expect(declared.toSnapshot().qualityDimension).toBe('performance');

    declared.redefine({ ...input });
    expect(declared.qualityDimension).toBe('reliability');
    expect(declared.toSnapshot().qualityDimension).toBeNull();

    expect(() =>
      SloDefinition.create({ ...input, qualityDimension: 'speed' as 'performance' }),
    ).toThrow(expect.objectContaining({ code: 'slo.invalid_quality_dimension' }));
  });

  it('emits again after recovering and breaching anew', () => {
    const slo = SloDefinition.create(input);
    slo.evaluate({ window: exhausted }, '2025-01-01T00:00:00Z');
    slo.evaluate({ window: ok }, '2025-01-02T00:00:00Z');
    expect(slo.status).toBe('healthy');
    slo.evaluate({ window: exhausted }, '2025-01-03T00:00:00Z');
    expect(slo.pullEvents().map((e) => e.occurredAt)).toEqual([
      '2025-01-01T00:00:00.000Z',
      '2025-01-03T00:00:00.000Z',
    ]);
  });

  it('does not count at-risk as a breach', () => {
    const slo = SloDefinition.create(input);
    slo.evaluate({ window: { good: 99_920, total: 100_000 } }, '2025-01-01T00:00:00Z');
    expect(slo.status).toBe('at-risk');
    expect(slo.pullEvents()).toEqual([]);
  });

  it('keeps a burn history, newest last and bounded', () => {
    const slo = SloDefinition.create(input);
    const start = Date.parse('2025-01-01T00:00:00Z');
    for (let i = 0; i <= MAX_BURN_EVENTS; i += 1) {
      slo.evaluate(
        { window: { good: 99_950, total: 100_000 } },
        new Date(start + i * BURN_EVENT_BUCKET_MS).toISOString(),
      );
    }
    const { burnEvents } = slo.toSnapshot();
    expect(burnEvents).toHaveLength(MAX_BURN_EVENTS);
    expect(burnEvents.at(-1)).toEqual({
      timestamp: new Date(start + MAX_BURN_EVENTS * BURN_EVENT_BUCKET_MS).toISOString(),
      burnedPct: 50,
    });
  });

  it('keeps one burn point per 5-minute bucket: the latest evaluation in it', () => {
    const slo = SloDefinition.create(input);
    slo.evaluate({ window: { good: 99_990, total: 100_000 } }, '2025-01-01T00:00:00Z');
    slo.evaluate({ window: { good: 99_980, total: 100_000 } }, '2025-01-01T00:04:59Z');
    slo.evaluate({ window: { good: 99_970, total: 100_000 } }, '2025-01-01T00:05:00Z');
    expect(slo.toSnapshot().burnEvents).toEqual([
      { timestamp: '2025-01-01T00:04:59.000Z', burnedPct: 20 },
      { timestamp: '2025-01-01T00:05:00.000Z', burnedPct: 30 },
    ]);
  });

  it('keeps what the last evaluation saw for the status read', () => {
    const slo = SloDefinition.create(input);
    expect(slo.toSnapshot().lastEvaluation).toEqual({
      badEvents: 0,
      totalEvents: 0,
      burnRate: null,
      burnRates: { '5m': null, '30m': null, '1h': null, '6h': null },
      firingAlerts: [],
    });
    slo.evaluate(
      {
        window: { good: 99_950, total: 100_000 },
        burnWindows: { '1h': { good: 9_800, total: 10_000 }, '5m': { good: 98, total: 100 } },
      },
      '2025-01-01T00:00:00Z',
    );
    expect(slo.toSnapshot().lastEvaluation).toEqual({
      badEvents: 50,
      totalEvents: 100_000,
      burnRate: 0.5,
      burnRates: { '5m': 20, '30m': null, '1h': 20, '6h': null },
      firingAlerts: ['fast'],
    });
    expect(slo.status).toBe('at-risk');
  });

  it('refuses an evaluation older than the last and keeps the state', () => {
    const slo = SloDefinition.create(input);
    slo.evaluate({ window: ok }, '2025-01-01T01:00:00Z');
    expect(codeOf(() => slo.evaluate({ window: exhausted }, '2025-01-01T00:59:59Z'))).toBe(
      'slo.evaluation_out_of_order',
    );
    expect(slo.status).toBe('healthy');
    expect(() => slo.evaluate({ window: ok }, '2025-01-01T01:00:00Z')).not.toThrow();
  });

  it('refuses an invalid observation before changing anything', () => {
    const slo = SloDefinition.create(input);
    expect(
      codeOf(() => slo.evaluate({ window: { good: 5, total: 4 } }, '2025-01-01T00:00:00Z')),
    ).toBe('slo.invalid_observation');
    expect(slo.toSnapshot().lastEvaluatedAt).toBeNull();
  });

  it('target 100: healthy without bad events, breached by one', () => {
    const slo = SloDefinition.create({ ...input, target: 100 });
    slo.evaluate({ window: ok }, '2025-01-01T00:00:00Z');
    expect(slo.toSnapshot()).toMatchObject({
      status: 'healthy',
      errorBudget: 0,
      budgetRemaining: 0,
    });
    slo.evaluate({ window: { good: 99_999, total: 100_000 } }, '2025-01-01T00:05:00Z');
    expect(slo.status).toBe('breached');
    expect(slo.pullEvents()).toHaveLength(1);
    expect(allFinite(slo.toSnapshot())).toBe(true);
  });

  it('property: any evaluation sequence keeps the snapshot within its invariants', () => {
    const counts = fc
      .tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000 }))
      .map(([a, b]) => ({ good: Math.min(a, b), total: Math.max(a, b) }));
    fc.assert(
      fc.property(
        fc.constantFrom(100, 99.99, 99.9, 99, 95, 50),
        fc.array(counts, { maxLength: 20 }),
        (target, windows) => {
          const slo = SloDefinition.create({ ...input, target });
          let breaches = 0;
          let wasBreached = false;
          windows.forEach((window, i) => {
            const e = slo.evaluate({ window }, new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString());
            if (e.status === 'breached' && !wasBreached) breaches += 1;
            wasBreached = e.status === 'breached';
          });
          const s = slo.toSnapshot();
          expect(s.budgetRemaining).toBeGreaterThanOrEqual(0);
          expect(s.budgetRemaining).toBeLessThanOrEqual(s.errorBudget);
          if (s.status === 'breached') expect(s.budgetRemaining).toBe(0);
          expect(slo.pullEvents()).toHaveLength(breaches);
          expect(allFinite(s)).toBe(true);
          expect(SloDefinition.rehydrate(s).toSnapshot()).toEqual(s);
        },
      ),
    );
  });
});

describe('SloDefinition.redefine', () => {
  const fields = {
    projectId: 'proj-1',
    name: 'API availability',
    indicator: input.indicator,
    target: 99,
    windowMinutes: 60,
  };

  it('starts afresh when never evaluated, and refuses an invalid definition unchanged', () => {
    const slo = SloDefinition.create(input);
    expect(slo.redefine(fields, { window: exhausted })).toBeUndefined();
    expect(slo.toSnapshot()).toMatchObject({
      target: 99,
      errorBudget: 1,
      budgetRemaining: 1,
      windowMinutes: 60,
      lastEvaluatedAt: null,
    });
    expect(codeOf(() => slo.redefine({ ...fields, target: 0 }))).toBe('slo.invalid_target');
    expect(slo.toSnapshot().target).toBe(99);
  });

  it('re-evaluates at the last evaluation time under the new target', () => {
    const slo = SloDefinition.create(input);
    slo.evaluate({ window: exhausted }, '2025-01-01T00:00:00Z');
    expect(slo.pullEvents()).toHaveLength(1);
    // 0.2 % bad: breached at 99.9, healthy at 99 (budget 1 %, 80 % of it left).
    const evaluation = slo.redefine(fields, { window: exhausted });
    expect(evaluation?.status).toBe('healthy');
    expect(slo.toSnapshot()).toMatchObject({
      status: 'healthy',
      budgetRemaining: 0.8,
      lastEvaluatedAt: '2025-01-01T00:00:00.000Z',
    });
    expect(slo.pullEvents()).toEqual([]);
  });

  it('is not a new breach when the SLO stays breached, but is one when it becomes breached', () => {
    const slo = SloDefinition.create(input);
    slo.evaluate({ window: exhausted }, '2025-01-01T00:00:00Z');
    slo.pullEvents();
    slo.redefine({ ...fields, target: 99.95 }, { window: exhausted });
    expect(slo.status).toBe('breached');
    expect(slo.pullEvents()).toEqual([]);
    slo.redefine(fields, { window: exhausted });
    slo.redefine({ ...fields, target: 99.9 }, { window: exhausted });
    expect(slo.pullEvents().map((e) => e.eventType)).toEqual(['SloBreached']);
  });
});

describe('SloDefinition.scheduleMaintenance', () => {
  const window = {
    id: 'mw-1',
    start: '2025-01-01T01:00:00Z',
    end: '2025-01-01T02:00:00Z',
    reason: 'database upgrade',
  };

  it('adds a normalised window', () => {
    const slo = SloDefinition.create(input);
    expect(slo.scheduleMaintenance(window)).toEqual({
      ...window,
      start: '2025-01-01T01:00:00.000Z',
      end: '2025-01-01T02:00:00.000Z',
    });
    expect(slo.toSnapshot().maintenanceWindows).toHaveLength(1);
  });

  it.each([
    [{ end: window.start }, 'slo.invalid_maintenance_window'],
    [{ end: '2025-01-01T00:00:00Z' }, 'slo.invalid_maintenance_window'],
    [{ start: 'yesterday' }, 'time.invalid_instant'],
    [{ reason: 'x'.repeat(1_001) }, 'slo.invalid_maintenance_window'],
    [{ id: '' }, 'slo.invalid_maintenance_window'],
  ])('refuses %j with %s', (overrides, code) => {
    const slo = SloDefinition.create(input);
    expect(codeOf(() => slo.scheduleMaintenance({ ...window, ...overrides }))).toBe(code);
    expect(slo.toSnapshot().maintenanceWindows).toEqual([]);
  });

  it('refuses a duplicate id and more than the maximum of windows', () => {
    const slo = SloDefinition.create(input);
    slo.scheduleMaintenance(window);
    expect(codeOf(() => slo.scheduleMaintenance(window))).toBe('slo.invalid_maintenance_window');
    for (let i = 1; i < MAX_MAINTENANCE_WINDOWS; i += 1) {
      slo.scheduleMaintenance({ ...window, id: `mw-${i + 1}` });
    }
    expect(codeOf(() => slo.scheduleMaintenance({ ...window, id: 'one-too-many' }))).toBe(
      'slo.too_many_maintenance_windows',
    );
    expect(slo.toSnapshot().maintenanceWindows).toHaveLength(MAX_MAINTENANCE_WINDOWS);
  });
});

describe('SloDefinition.rehydrate', () => {
  function snapshot(overrides: Partial<SloDefinitionSnapshot> = {}): SloDefinitionSnapshot {
    const slo = SloDefinition.create(input);
    slo.evaluate({ window: exhausted }, '2025-01-01T00:00:00Z');
    return { ...slo.toSnapshot(), ...overrides };
  }

  it('restores a snapshot unchanged and records no events', () => {
    const s = snapshot();
    const slo = SloDefinition.rehydrate(s);
    expect(slo.toSnapshot()).toEqual(s);
    expect(slo.pullEvents()).toEqual([]);
  });

  it.each([
    [{ budgetRemaining: 0.2, status: 'healthy' as const }, 'slo.budget_out_of_range'],
    [{ budgetRemaining: -0.01, status: 'healthy' as const }, 'slo.budget_out_of_range'],
    [{ budgetRemaining: 0.05 }, 'slo.breached_requires_exhausted_budget'],
    [{ errorBudget: 0.2 }, 'slo.error_budget_mismatch'],
    [{ status: 'dead' as never }, 'slo.invalid_status'],
    [{ target: 0 }, 'slo.invalid_target'],
    [{ windowMinutes: 0 }, 'slo.invalid_window'],
    [{ badPct: 101 }, 'slo.invalid_observation'],
    [
      { burnEvents: [{ timestamp: '2025-01-01T00:00:00Z', burnedPct: 120 }] },
      'slo.invalid_burn_event',
    ],
    [
      {
        lastEvaluation: {
          badEvents: 5,
          totalEvents: 4,
          burnRate: null,
          burnRates: { '5m': null, '30m': null, '1h': null, '6h': null },
          firingAlerts: [],
        },
      },
      'slo.invalid_observation',
    ],
  ])('refuses a stored row with %j (%s)', (overrides, code) => {
    expect(codeOf(() => SloDefinition.rehydrate(snapshot(overrides)))).toBe(code);
  });

  it('accepts an unbreached row with budget left', () => {
    const s = snapshot({ status: 'at-risk', budgetRemaining: 0.01 });
    expect(SloDefinition.rehydrate(s).status).toBe('at-risk');
  });

  it('a reloaded breached SLO does not announce the same breach again', () => {
    const slo = SloDefinition.rehydrate(snapshot());
    slo.evaluate({ window: exhausted }, '2025-01-01T01:00:00Z');
    expect(slo.pullEvents()).toEqual([]);
  });
});
