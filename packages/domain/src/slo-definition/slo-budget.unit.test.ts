import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { evaluateSlo } from './slo-budget.js';
import { errorBudgetOf, sli, sloTarget, TARGET_SCALE } from './slo-values.js';

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

describe('SloTarget and error budget', () => {
  it.each([0, -1, 100.0001, Number.NaN, Number.POSITIVE_INFINITY, 99.1234567])(
    'refuses target %s',
    (target) => {
      expect(codeOf(() => sloTarget(target))).toBe('slo.invalid_target');
    },
  );

  it.each([
    [100, 0],
    [99.9, 0.1],
    [99.95, 0.05],
    [99.999999, 0.000001],
    [0.000001, 99.999999],
    [50, 50],
  ])('target %s leaves an error budget of exactly %s', (target, budget) => {
    expect(errorBudgetOf(target)).toBe(budget);
  });

  it('requires every part of the indicator', () => {
    expect(
      codeOf(() =>
        sli({ kind: 'ratio', goodMetric: 'http.requests.good', totalMetric: ' ', filter: {} }),
      ),
    ).toBe('slo.invalid_indicator');
    expect(
      sli({ kind: 'latency', metric: ' http.dur ', percentile: 'p99', threshold: 1, filter: {} }),
    ).toMatchObject({ metric: 'http.dur' });
  });
});

/**
 * Hand-computed: errorBudget = 100 − target; badPct = 100·bad/total; budgetRemaining =
 * max(0, errorBudget − badPct); burnRate = (bad/total)/(1 − target/100); burnedPct =
 * min(100, 100·burnRate); at-risk below 25 % of the budget left, breached when all is used.
 */
describe('evaluateSlo against a hand-computed table', () => {
  it.each([
    // target, good, total → errorBudget, badPct, budgetRemaining, burnRate, burnedPct, status
    [99.9, 100_000, 100_000, 0.1, 0, 0.1, 0, 0, 'healthy'],
    [99.9, 99_950, 100_000, 0.1, 0.05, 0.05, 0.5, 50, 'healthy'],
    [99.9, 99_925, 100_000, 0.1, 0.075, 0.025, 0.75, 75, 'healthy'],
    [99.9, 99_920, 100_000, 0.1, 0.08, 0.02, 0.8, 80, 'at-risk'],
    [99.9, 99_900, 100_000, 0.1, 0.1, 0, 1, 100, 'breached'],
    [99.9, 99_000, 100_000, 0.1, 1, 0, 10, 100, 'breached'],
    [99, 990, 1_000, 1, 1, 0, 1, 100, 'breached'],
    [99, 995, 1_000, 1, 0.5, 0.5, 0.5, 50, 'healthy'],
    [95, 19, 20, 5, 5, 0, 1, 100, 'breached'],
    [50, 3, 4, 50, 25, 25, 0.5, 50, 'healthy'],
    // Empty window: nothing observed, the whole budget remains.
    [99.9, 0, 0, 0.1, 0, 0.1, 0, 0, 'healthy'],
    [100, 0, 0, 0, 0, 0, null, 0, 'healthy'],
    // target = 100: no budget; healthy without bad events, breached by the first one.
    [100, 1_000, 1_000, 0, 0, 0, null, 0, 'healthy'],
    [100, 999, 1_000, 0, 0.1, 0, null, 100, 'breached'],
  ] as const)(
    'target %s, %s good of %s → budget %s, bad %s %%, remaining %s, burn %s×, burned %s %%, %s',
    (target, good, total, errorBudget, badPct, budgetRemaining, burnRate, burnedPct, status) => {
      const e = evaluateSlo({ target, window: { good, total } });
      expect(e.errorBudget).toBe(errorBudget);
      expect(e.badPct).toBeCloseTo(badPct, 12);
      expect(e.budgetRemaining).toBeCloseTo(budgetRemaining, 12);
      if (burnRate === null) expect(e.burnRate).toBeNull();
      else expect(e.burnRate).toBeCloseTo(burnRate, 12);
      expect(e.burnedPct).toBeCloseTo(burnedPct, 10);
      expect(e.status).toBe(status);
    },
  );

  it.each([
    // 99.9 %: 14.4× burn is a bad share of 1.44 %, 6× of 0.6 %.
    [{ '1h': [9_856, 10_000], '5m': [9_856, 10_000] }, ['fast'], [14.4, 14.4]],
    [{ '1h': [9_857, 10_000], '5m': [9_856, 10_000] }, [], [14.3, 14.4]],
    [{ '6h': [994, 1_000], '30m': [994, 1_000] }, ['slow'], [6, 6]],
    [{ '6h': [994, 1_000] }, [], [6, null]],
  ] as const)('burn pairs %j fire %j', (windows, firing, [longRate, shortRate]) => {
    const burnWindows = Object.fromEntries(
      Object.entries(windows).map(([name, counts]: [string, readonly number[]]) => [
        name,
        { good: counts[0]!, total: counts[1]! },
      ]),
    );
    const e = evaluateSlo({
      target: 99.9,
      window: { good: 1_000_000, total: 1_000_000 },
      burnWindows,
    });
    expect(e.firingAlerts).toEqual(firing);
    expect(e.status).toBe(firing.length > 0 ? 'at-risk' : 'healthy');
    const [long, short] = '1h' in windows ? (['1h', '5m'] as const) : (['6h', '30m'] as const);
    expect(e.burnRates[long]).toBeCloseTo(longRate, 10);
    if (shortRate === null) expect(e.burnRates[short]).toBeNull();
    else expect(e.burnRates[short]).toBeCloseTo(shortRate, 10);
  });
});

describe('evaluateSlo', () => {
  it('worked example: 99.9 % target, 80 bad of 100 000 → 0.02 % left, at risk', () => {
    const e = evaluateSlo({ target: 99.9, window: { good: 99_920, total: 100_000 } });
    expect(e).toMatchObject({
      errorBudget: 0.1,
      badEvents: 80,
      totalEvents: 100_000,
      badPct: 0.08,
      budgetRemaining: 0.02,
      burnRate: 0.8,
      firingAlerts: [],
      status: 'at-risk',
    });
    expect(e.burnedPct).toBe(80);
  });

  it('is healthy while at least 25 % of the budget remains', () => {
    const e = evaluateSlo({ target: 99.9, window: { good: 99_925, total: 100_000 } });
    expect(e.budgetRemaining).toBe(0.025);
    expect(e.status).toBe('healthy');
  });

  it('breaches exactly when the bad share reaches the whole budget', () => {
    const atBudget = evaluateSlo({ target: 99.9, window: { good: 99_900, total: 100_000 } });
    expect(atBudget).toMatchObject({ status: 'breached', budgetRemaining: 0, burnedPct: 100 });
    const justBelow = evaluateSlo({ target: 99.9, window: { good: 99_901, total: 100_000 } });
    expect(justBelow.status).toBe('at-risk');
    expect(justBelow.budgetRemaining).toBeGreaterThan(0);
  });

  it('is healthy with no events: the whole budget remains', () => {
    expect(evaluateSlo({ target: 99, window: { good: 0, total: 0 } })).toMatchObject({
      status: 'healthy',
      badPct: 0,
      budgetRemaining: 1,
      burnRate: 0,
      burnedPct: 0,
    });
  });

  it('fires the fast pair when 1h and 5m both burn at ≥ 14.4× (boundary included)', () => {
    const e = evaluateSlo({
      target: 99.9,
      window: { good: 99_990, total: 100_000 },
      burnWindows: {
        '1h': { good: 98_560, total: 100_000 },
        '5m': { good: 9_850, total: 10_000 },
      },
    });
    expect(e.burnRates['1h']).toBe(14.4);
    expect(e.burnRates['5m']).toBe(15);
    expect(e.burnRates['6h']).toBeNull();
    expect(e.firingAlerts).toEqual(['fast']);
    expect(e.status).toBe('at-risk');
  });

  it('does not fire when only one window of a pair burns', () => {
    const e = evaluateSlo({
      target: 99.9,
      window: { good: 99_990, total: 100_000 },
      burnWindows: {
        '1h': { good: 9_000, total: 10_000 },
        '5m': { good: 999, total: 1_000 },
        '6h': { good: 9_000, total: 10_000 },
      },
    });
    expect(e.firingAlerts).toEqual([]);
    expect(e.status).toBe('healthy');
  });

  it('fires the slow pair when 6h and 30m both burn at ≥ 6×', () => {
    const e = evaluateSlo({
      target: 99,
      window: { good: 9_990, total: 10_000 },
      burnWindows: {
        '6h': { good: 940, total: 1_000 },
        '30m': { good: 93, total: 100 },
        '1h': { good: 0, total: 0 },
      },
    });
    expect(e.firingAlerts).toEqual(['slow']);
    expect(e.burnRates['1h']).toBe(0);
    expect(e.status).toBe('at-risk');
  });

  describe('target 100 (zero error budget)', () => {
    it('is healthy without bad events and reports no burn rate', () => {
      const e = evaluateSlo({ target: 100, window: { good: 500, total: 500 } });
      expect(e).toMatchObject({
        errorBudget: 0,
        budgetRemaining: 0,
        status: 'healthy',
        burnRate: null,
        burnedPct: 0,
      });
    });

    it('is breached by a single bad event', () => {
      const e = evaluateSlo({ target: 100, window: { good: 499, total: 500 } });
      expect(e).toMatchObject({ status: 'breached', budgetRemaining: 0, burnedPct: 100 });
      expect(allFinite(e)).toBe(true);
    });

    it('treats any bad event in a burn pair as an unbounded burn', () => {
      const e = evaluateSlo({
        target: 100,
        window: { good: 500, total: 500 },
        burnWindows: { '1h': { good: 9, total: 10 }, '5m': { good: 0, total: 1 } },
      });
      expect(e.firingAlerts).toEqual(['fast']);
      expect(e.burnRates['1h']).toBeNull();
    });
  });

  it.each([
    [{ good: 2, total: 1 }],
    [{ good: -1, total: 1 }],
    [{ good: 0.5, total: 1 }],
    [{ good: 1, total: Number.NaN }],
  ])('refuses the observation %j', (window) => {
    expect(codeOf(() => evaluateSlo({ target: 99, window }))).toBe('slo.invalid_observation');
  });

  it('refuses invalid burn-window counts too', () => {
    expect(
      codeOf(() =>
        evaluateSlo({
          target: 99,
          window: { good: 1, total: 1 },
          burnWindows: { '5m': { good: 3, total: 2 } },
        }),
      ),
    ).toBe('slo.invalid_observation');
  });

  const targets = fc.integer({ min: 1, max: 100 * TARGET_SCALE }).map((n) => n / TARGET_SCALE);
  const counts = fc
    .tuple(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }))
    .map(([a, b]) => ({ good: Math.min(a, b), total: Math.max(a, b) }));

  it('property: budgetRemaining in [0, errorBudget]; breached only at 0 and exactly when the budget is used', () => {
    fc.assert(
      fc.property(targets, counts, (target, window) => {
        const e = evaluateSlo({ target, window });
        const bad = window.total - window.good;
        const budgetScaled = 100 * TARGET_SCALE - Math.round(target * TARGET_SCALE);
        // bad/total·100 ≥ budget  ⇔  bad·100·SCALE ≥ budgetScaled·total
        const usedWholeBudget =
          bad > 0 &&
          BigInt(bad) * BigInt(100 * TARGET_SCALE) >= BigInt(budgetScaled) * BigInt(window.total);
        expect(e.budgetRemaining).toBeGreaterThanOrEqual(0);
        expect(e.budgetRemaining).toBeLessThanOrEqual(e.errorBudget);
        expect(e.status === 'breached').toBe(usedWholeBudget);
        if (e.status === 'breached') expect(e.budgetRemaining).toBe(0);
        if (e.status !== 'breached' && e.errorBudget > 0)
          expect(e.budgetRemaining).toBeGreaterThan(0);
        if (target === 100 && bad === 0) expect(e.status).toBe('healthy');
        expect(allFinite(e)).toBe(true);
      }),
    );
  });

  it('property: target 100 is healthy exactly without bad events, breached otherwise', () => {
    fc.assert(
      fc.property(counts, (window) => {
        const e = evaluateSlo({ target: 100, window });
        expect(e.status).toBe(window.good === window.total ? 'healthy' : 'breached');
        expect(e.budgetRemaining).toBe(0);
      }),
    );
  });
});
