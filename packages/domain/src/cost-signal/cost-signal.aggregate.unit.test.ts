import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import {
  CostSignal,
  costSignalIdFor,
  type CostSignalSnapshot,
  type CreateCostSignalInput,
} from './cost-signal.aggregate.js';
import { COST_CATEGORIES } from './cost-values.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

const input: CreateCostSignalInput = {
  tenantId: 'acme',
  projectId: 'proj-1',
  period: { start: '2025-01-04T00:00:00Z', end: '2025-01-05T00:00:00Z' },
  currency: 'USD',
  breakdown: [
    { category: 'compute', amount: 180 },
    { category: 'model_inference', amount: 75 },
    { category: 'storage', amount: 14 },
    { category: 'network', amount: 5 },
  ],
  total: 274,
  trailing: [
    {
      breakdown: [
        { category: 'model_inference', amount: 50 },
        { category: 'compute', amount: 100 },
      ],
    },
    { breakdown: [{ category: 'compute', amount: 120 }] },
    {
      breakdown: [
        { category: 'model_inference', amount: 60 },
        { category: 'compute', amount: 80 },
      ],
    },
  ],
};

describe('CostSignal.create', () => {
  it('derives a deterministic id, orders the breakdown and records one event per anomaly', () => {
    const signal = CostSignal.create(input);
    const id = costSignalIdFor('acme', 'proj-1', input.period);
    expect(signal.id).toBe(id);
    expect(id).toMatch(/^cost_[0-9a-f]{32}$/);
    expect(signal.total).toEqual({ currency: 'USD', micros: 274_000_000 });
    const s = signal.toSnapshot();
    expect(s.breakdown.map((l) => l.category)).toEqual([...COST_CATEGORIES]);
    expect(s.computedAt).toBe('2025-01-05T00:00:00.000Z');
    const events = signal.pullEvents();
    expect(events.map((e) => e.payload.category)).toEqual(['model_inference', 'compute']);
    expect(events[1]?.payload).toMatchObject({ observed: 180, baseline: 100, deltaPct: 80 });
    expect(events.slice(0, 1)).toEqual([
      {
        eventType: 'CostAnomalyDetected',
        aggregateType: 'CostSignal',
        aggregateId: id,
        tenantId: 'acme',
        traceId: null,
        occurredAt: '2025-01-05T00:00:00.000Z',
        payload: {
          costSignalId: id,
          projectId: 'proj-1',
          periodStart: '2025-01-04T00:00:00.000Z',
          periodEnd: '2025-01-05T00:00:00.000Z',
          currency: 'USD',
          category: 'model_inference',
          observed: 75,
          baseline: 50,
          deltaPct: 50,
          detectedAt: '2025-01-05T00:00:00.000Z',
          traceIds: [],
        },
      },
    ]);
  });

  it('is deterministic per (project, period): same inputs in any order give the same snapshot', () => {
    const reordered = {
      ...input,
      breakdown: [...input.breakdown].reverse(),
      trailing: [...(input.trailing ?? [])].reverse(),
    };
    expect(CostSignal.create(reordered).toSnapshot()).toEqual(
      CostSignal.create(input).toSnapshot(),
    );
    const otherPeriod = {
      ...input,
      period: { start: '2025-01-05T00:00:00Z', end: '2025-01-06T00:00:00Z' },
    };
    expect(CostSignal.create(otherPeriod).id).not.toBe(CostSignal.create(input).id);
  });

  it('refuses a supplied total that differs from the sum of the breakdown', () => {
    expect(codeOf(() => CostSignal.create({ ...input, total: 274.01 }))).toBe(
      'cost.total_mismatch',
    );
  });

  it('accepts a signal without a supplied total, and an empty breakdown as zero', () => {
    const { total: _ignored, ...withoutTotal } = input;
    expect(CostSignal.create(withoutTotal).total.micros).toBe(274_000_000);
    const empty = CostSignal.create({ ...input, breakdown: [], total: 0, trailing: [] });
    expect(empty.toSnapshot()).toMatchObject({ totalMicros: 0, breakdown: [], anomalies: [] });
    expect(empty.pullEvents()).toEqual([]);
  });

  it('keeps cent amounts exact (0.1 + 0.2 = 0.3)', () => {
    const signal = CostSignal.create({
      ...input,
      breakdown: [
        { category: 'storage', amount: 0.1 },
        { category: 'network', amount: 0.2 },
      ],
      total: 0.3,
      trailing: [],
    });
    expect(signal.total.micros).toBe(300_000);
  });

  it.each([
    [
      { breakdown: [{ category: 'compute', amount: -1 }], total: undefined },
      'cost.negative_amount',
    ],
    [{ total: -5 }, 'cost.negative_amount'],
    [{ breakdown: [{ category: 'gpu', amount: 1 }], total: undefined }, 'cost.invalid_category'],
    [
      {
        breakdown: [
          { category: 'compute', amount: 1 },
          { category: 'compute', amount: 2 },
        ],
        total: undefined,
      },
      'cost.duplicate_category',
    ],
    [
      { period: { start: '2025-01-05T00:00:00Z', end: '2025-01-05T00:00:00Z' } },
      'cost.invalid_period',
    ],
    [{ projectId: '' }, 'cost.project_required'],
    [{ currency: 'usd' }, 'money.invalid_currency'],
    [
      { breakdown: [{ category: 'compute', amount: Number.NaN }], total: undefined },
      'money.invalid_amount',
    ],
    [{ anomalyOptions: { thresholdPct: -1 } }, 'cost.invalid_anomaly_options'],
  ] as const)('refuses %j with %s', (overrides, code) => {
    expect(codeOf(() => CostSignal.create({ ...input, ...overrides }))).toBe(code);
  });

  it('property: the total always equals the exact sum of the breakdown', () => {
    const micros = fc.integer({ min: 0, max: 1_000_000_000_000 });
    fc.assert(
      fc.property(
        fc.subarray([...COST_CATEGORIES], { minLength: 0 }),
        fc.array(micros, { minLength: 4, maxLength: 4 }),
        (categories, amounts) => {
          const breakdown = categories.map((category, i) => ({
            category,
            amount: (amounts[i] ?? 0) / 1_000_000,
          }));
          const signal = CostSignal.create({ ...input, breakdown, total: undefined, trailing: [] });
          const s = signal.toSnapshot();
          const sum = s.breakdown.reduce((acc, line) => acc + line.amountMicros, 0);
          expect(s.totalMicros).toBe(sum);
          expect(s.totalMicros).toBe(categories.reduce((acc, _c, i) => acc + (amounts[i] ?? 0), 0));
          expect(
            CostSignal.create({ ...input, breakdown, total: sum / 1e6, trailing: [] }).total.micros,
          ).toBe(sum);
        },
      ),
    );
  });
});

describe('CostSignal.recompute', () => {
  it('is idempotent: identical inputs change nothing and record nothing', () => {
    const signal = CostSignal.create(input);
    signal.pullEvents();
    const before = signal.toSnapshot();
    expect(signal.recompute(input)).toBe(false);
    expect(signal.toSnapshot()).toEqual(before);
    expect(signal.pullEvents()).toEqual([]);
  });

  it('replaces the state and announces only newly flagged categories', () => {
    const signal = CostSignal.create(input);
    signal.pullEvents();
    const revised = {
      ...input,
      breakdown: input.breakdown.map((l) => (l.category === 'compute' ? { ...l, amount: 200 } : l)),
      total: 294,
      anomalyOptions: { thresholdPct: 40 },
      trailing: [
        ...(input.trailing ?? []).map((p) => ({
          breakdown: [...p.breakdown, { category: 'storage', amount: 10 }],
        })),
      ],
    };
    expect(signal.recompute(revised)).toBe(true);
    expect(signal.toSnapshot().totalMicros).toBe(294_000_000);
    expect(signal.pullEvents().map((e) => e.payload.category)).toEqual(['storage']);
  });

  it('refuses to recompute another scope', () => {
    const signal = CostSignal.create(input);
    expect(codeOf(() => signal.recompute({ ...input, projectId: 'proj-2' }))).toBe(
      'cost.scope_mismatch',
    );
  });
});

describe('CostSignal.rehydrate', () => {
  function snapshot(overrides: Partial<CostSignalSnapshot> = {}): CostSignalSnapshot {
    return { ...CostSignal.create(input).toSnapshot(), ...overrides };
  }

  it('restores a snapshot unchanged and records no events', () => {
    const s = snapshot();
    const signal = CostSignal.rehydrate(s);
    expect(signal.toSnapshot()).toEqual(s);
    expect(signal.pullEvents()).toEqual([]);
  });

  it.each([
    [{ totalMicros: 1 }, 'cost.total_mismatch'],
    [{ totalMicros: -1 }, 'cost.negative_amount'],
    [{ breakdown: [{ category: 'compute' as const, amountMicros: -5 }] }, 'cost.negative_amount'],
    [{ costSignalId: 'cost_other' }, 'cost.id_mismatch'],
  ])('refuses a stored row with %j (%s)', (overrides, code) => {
    expect(codeOf(() => CostSignal.rehydrate(snapshot(overrides)))).toBe(code);
  });

  it('refuses an anomaly whose category has no breakdown line', () => {
    const s = snapshot();
    const withoutCompute = {
      ...s,
      breakdown: s.breakdown.filter((l) => l.category !== 'compute'),
      totalMicros: s.totalMicros - 180_000_000,
    };
    expect(codeOf(() => CostSignal.rehydrate(withoutCompute))).toBe(
      'cost.anomaly_unknown_category',
    );
  });

  it('refuses duplicate or malformed anomalies', () => {
    const s = snapshot();
    const first = s.anomalies[0];
    if (first === undefined) throw new Error('fixture has anomalies');
    expect(codeOf(() => CostSignal.rehydrate({ ...s, anomalies: [first, first] }))).toBe(
      'cost.duplicate_anomaly',
    );
    expect(
      codeOf(() => CostSignal.rehydrate({ ...s, anomalies: [{ ...first, deltaPct: Number.NaN }] })),
    ).toBe('cost.invalid_anomaly');
  });
});

describe('CostSignal contributing traces', () => {
  const T1 = '4bf92f3577b34da6a3ce929d0e0e4736';
  const T2 = '0af7651916cd43dd8448eb211c80319c';

  it('keeps the ranked traceIds on the anomaly and publishes them, the largest as the event traceId', () => {
    const signal = CostSignal.create({
      ...input,
      contributors: { compute: [T1, T2, T1], storage: [T2] },
    });
    const anomalies = signal.toSnapshot().anomalies;
    expect(anomalies.map((a) => [a.category, a.traceIds])).toEqual([
      ['model_inference', []],
      ['compute', [T1, T2]],
    ]);
    const events = signal.pullEvents();
    const compute = events.find((e) => e.payload.category === 'compute');
    expect(compute?.traceId).toBe(T1);
    expect(compute?.payload.traceIds).toEqual([T1, T2]);
    expect(events.find((e) => e.payload.category === 'model_inference')?.traceId).toBeNull();
  });

  it('keeps at most ten traceIds and refuses a malformed one', () => {
    const many = Array.from({ length: 12 }, (_, i) => `${(i + 1).toString(16).padStart(32, 'a')}`);
    const signal = CostSignal.create({ ...input, contributors: { compute: many } });
    const compute = signal.toSnapshot().anomalies.find((a) => a.category === 'compute');
    expect(compute?.traceIds).toEqual(many.slice(0, 10));
    expect(codeOf(() => CostSignal.create({ ...input, contributors: { compute: ['xyz'] } }))).toBe(
      'trace.invalid_trace_id',
    );
  });

  it('round-trips the traceIds through a snapshot, and a changed ranking is a change', () => {
    const signal = CostSignal.create({ ...input, contributors: { compute: [T1] } });
    signal.pullEvents();
    expect(CostSignal.rehydrate(signal.toSnapshot()).toSnapshot()).toEqual(signal.toSnapshot());
    expect(signal.recompute({ ...input, contributors: { compute: [T1] } })).toBe(false);
    expect(signal.recompute({ ...input, contributors: { compute: [T2, T1] } })).toBe(true);
    // compute was already flagged: a new ranking is not a new anomaly.
    expect(signal.pullEvents()).toEqual([]);
  });

  it('takes lines already in micro-units, exactly', () => {
    const signal = CostSignal.create({
      ...input,
      breakdown: [
        { category: 'storage', amountMicros: 100_000 },
        { category: 'network', amountMicros: 200_000 },
      ],
      total: undefined,
      trailing: [],
    });
    expect(signal.total.micros).toBe(300_000);
    expect(
      codeOf(() =>
        CostSignal.create({
          ...input,
          breakdown: [{ category: 'storage', amountMicros: -1 }],
          total: undefined,
        }),
      ),
    ).toBe('cost.negative_amount');
  });
});
