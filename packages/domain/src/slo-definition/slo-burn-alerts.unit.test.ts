import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import type { SloObservedWindow } from './slo-budget.js';
import {
  activeBurnAlerts,
  burnRateAlertsConfig,
  stepBurnAlerts,
  type ActiveBurnAlert,
  type BurnAlertStepInput,
} from './slo-burn-alerts.js';
import { SloDefinition, type CreateSloDefinitionInput } from './slo-definition.aggregate.js';
import type { SloBurnRateAlertFired, SloBurnRateAlertResolved } from './slo-definition.events.js';
import type { SliCounts } from './slo-values.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

/**
 * Target 99.9 %: the budget is 0.1 % of events, so `bad` bad events of 100 000 burn at
 * bad / 100× (1 440 bad = 14.4×, 600 = 6×, 100 = 1×).
 */
const TOTAL = 100_000;
const burn = (rate: number): SliCounts => ({ good: TOTAL - Math.round(rate * 100), total: TOTAL });
const quiet: SliCounts = { good: TOTAL, total: TOTAL };
const AT = '2025-01-01T01:00:00.000Z';
const ON = { enabled: true, receivers: [] };

function step(
  windows: Partial<Record<SloObservedWindow, SliCounts>>,
  active: readonly ActiveBurnAlert[] = [],
  overrides: Partial<BurnAlertStepInput> = {},
) {
  return stepBurnAlerts({
    target: 99.9,
    config: ON,
    active,
    windows,
    at: AT,
    inMaintenance: false,
    ...overrides,
  });
}

const page = (rules: ActiveBurnAlert['rules'] = ['page-1h-5m']): ActiveBurnAlert => ({
  severity: 'page',
  firedAt: '2025-01-01T00:30:00.000Z',
  rules,
});

describe('burn rates (hand-computed, target 99.9 %)', () => {
  it('reports bad ratio / (1 − objective) over every window, null without data', () => {
    const { rates } = step({ '5m': burn(20), '1h': burn(14.4), '3d': burn(0.5) });
    expect(rates).toEqual({ '5m': 20, '30m': null, '1h': 14.4, '6h': null, '3d': 0.5 });
  });

  it('has no finite rate with a zero budget (target 100), but any bad event burns', () => {
    const result = step({ '5m': { good: 99, total: 100 }, '1h': { good: 99, total: 100 } }, [], {
      target: 100,
    });
    expect(result.rates['5m']).toBeNull();
    expect(result.active).toEqual([{ severity: 'page', firedAt: AT, rules: ['page-1h-5m'] }]);
  });
});

describe('firing: both windows of a rule at or above its threshold', () => {
  it.each([
    ['page 1h/5m at exactly 14.4×', { '1h': burn(14.4), '5m': burn(14.4) }, ['page-1h-5m'], []],
    ['page 1h/5m: long at 14.39×', { '1h': burn(14.39), '5m': burn(20) }, [], []],
    ['page 1h/5m: short at 14.39×', { '1h': burn(20), '5m': burn(14.39) }, [], []],
    ['page 6h/30m at exactly 6×', { '6h': burn(6), '30m': burn(6) }, ['page-6h-30m'], []],
    ['page 6h/30m: short at 5.99×', { '6h': burn(6), '30m': burn(5.99) }, [], []],
    ['ticket 3d/6h at exactly 1×', { '3d': burn(1), '6h': burn(1) }, [], ['ticket-3d-6h']],
    ['ticket 3d/6h: long at 0.99×', { '3d': burn(0.99), '6h': burn(3) }, [], []],
    [
      'both page rules make one page',
      { '1h': burn(20), '5m': burn(20), '6h': burn(20), '30m': burn(20) },
      ['page-1h-5m', 'page-6h-30m'],
      [],
    ],
    [
      'every rule: a page and a ticket',
      { '1h': burn(20), '5m': burn(20), '6h': burn(20), '30m': burn(20), '3d': burn(20) },
      ['page-1h-5m', 'page-6h-30m'],
      ['ticket-3d-6h'],
    ],
    ['a missing long window cannot fire', { '5m': burn(100) }, [], []],
    [
      'a window without events cannot fire',
      { '1h': { good: 0, total: 0 }, '5m': burn(20) },
      [],
      [],
    ],
  ] as const)('%s', (_name, windows, pageRules, ticketRules) => {
    const result = step(windows);
    const rulesOf = (severity: string) =>
      result.active.find((a) => a.severity === severity)?.rules ?? [];
    expect(rulesOf('page')).toEqual(pageRules);
    expect(rulesOf('ticket')).toEqual(ticketRules);
    expect(result.fired.map((f) => f.alert.severity)).toEqual([
      ...(pageRules.length > 0 ? ['page'] : []),
      ...(ticketRules.length > 0 ? ['ticket'] : []),
    ]);
    expect(result.resolved).toEqual([]);
  });

  it('fires with the readings of the rules that fired, at the evaluation time', () => {
    const result = step({ '1h': burn(16), '5m': burn(20), '6h': burn(3), '30m': burn(8) });
    expect(result.fired).toEqual([
      {
        alert: { severity: 'page', firedAt: AT, rules: ['page-1h-5m'] },
        readings: [
          {
            rule: 'page-1h-5m',
            longWindow: '1h',
            shortWindow: '5m',
            threshold: 14.4,
            longBurnRate: 16,
            shortBurnRate: 20,
          },
        ],
      },
    ]);
  });
});

describe('clearing: when the short window stops burning', () => {
  it('resolves although the long window is still far above the threshold', () => {
    const result = step({ '1h': burn(30), '5m': burn(14.3) }, [page()]);
    expect(result.active).toEqual([]);
    expect(result.resolved).toEqual([
      {
        alert: page(),
        readings: [expect.objectContaining({ rule: 'page-1h-5m', longBurnRate: 30 })],
      },
    ]);
    expect(result.fired).toEqual([]);
  });

  it('keeps firing, with no new event, while the short window burns and the long one has cooled', () => {
    const result = step({ '1h': burn(2), '5m': burn(14.4) }, [page()]);
    expect(result.active).toEqual([page()]);
    expect(result.fired).toEqual([]);
    expect(result.resolved).toEqual([]);
  });

  it('keeps a page while its other rule still fires, and keeps firedAt', () => {
    const both = page(['page-1h-5m', 'page-6h-30m']);
    const result = step({ '1h': burn(20), '5m': quiet, '6h': burn(7), '30m': burn(7) }, [both]);
    expect(result.active).toEqual([{ ...both, rules: ['page-6h-30m'] }]);
    expect(result.fired).toEqual([]);
    expect(result.resolved).toEqual([]);
  });

  it('resolves a silent burn: the short window without events burns nothing', () => {
    const result = step({ '1h': burn(20), '5m': { good: 0, total: 0 } }, [page()]);
    expect(result.resolved.map((r) => r.alert.severity)).toEqual(['page']);
  });

  it('resolves everything when the alerts are disabled, and fires nothing', () => {
    const hot = { '1h': burn(20), '5m': burn(20), '3d': burn(2), '6h': burn(2) };
    const disabled = { enabled: false, receivers: [] };
    expect(step(hot, [], { config: disabled }).active).toEqual([]);
    const result = step(hot, [page()], { config: disabled });
    expect(result.active).toEqual([]);
    expect(result.resolved.map((r) => r.alert.severity)).toEqual(['page']);
  });
});

describe('maintenance windows', () => {
  const hot = { '1h': burn(20), '5m': burn(20) };

  it('fires nothing new while the evaluation time is in a maintenance window', () => {
    const result = step(hot, [], { inMaintenance: true });
    expect(result.active).toEqual([]);
    expect(result.fired).toEqual([]);
  });

  it('lets an alert fired before maintenance clear as usual', () => {
    expect(step(hot, [page()], { inMaintenance: true }).active).toEqual([page()]);
    const cleared = step({ '1h': burn(20), '5m': quiet }, [page()], { inMaintenance: true });
    expect(cleared.resolved).toHaveLength(1);
  });
});

describe('properties', () => {
  const counts = fc
    .tuple(fc.nat({ max: 10_000 }), fc.nat({ max: 10_000 }))
    .map(([a, b]): SliCounts => ({ good: Math.min(a, b), total: Math.max(a, b) }));
  const windows = fc.record(
    { '5m': counts, '30m': counts, '1h': counts, '6h': counts, '3d': counts },
    { requiredKeys: [] },
  );

  it('an alert never fires and resolves in one step, and one severity is active at most once', () => {
    fc.assert(
      fc.property(windows, windows, (first, second) => {
        const one = step(first);
        const two = step(second, one.active);
        for (const result of [one, two]) {
          const fired = new Set(result.fired.map((f) => f.alert.severity));
          for (const r of result.resolved) expect(fired.has(r.alert.severity)).toBe(false);
          const severities = result.active.map((a) => a.severity);
          expect(new Set(severities).size).toBe(severities.length);
        }
        // Every transition is a change of the active set.
        for (const f of two.fired)
          expect(one.active.some((a) => a.severity === f.alert.severity)).toBe(false);
        for (const r of two.resolved) expect(one.active).toContainEqual(r.alert);
      }),
    );
  });

  it('firing implies both windows of a rule at threshold; staying implies the short one', () => {
    fc.assert(
      fc.property(windows, (w) => {
        const result = step(w);
        for (const alert of result.active) {
          for (const rule of alert.rules) {
            const reading = result.fired.flatMap((f) => f.readings).find((r) => r.rule === rule);
            expect(reading).toBeDefined();
            expect(reading!.longBurnRate!).toBeGreaterThanOrEqual(reading!.threshold - 1e-9);
            expect(reading!.shortBurnRate!).toBeGreaterThanOrEqual(reading!.threshold - 1e-9);
          }
        }
      }),
    );
  });
});

describe('settings and state are validated', () => {
  it('defaults to on without receivers, and names each receiver once', () => {
    expect(burnRateAlertsConfig(undefined)).toEqual({ enabled: true, receivers: [] });
    expect(burnRateAlertsConfig({ enabled: false, receivers: [' r1 ', 'r1', 'r2'] })).toEqual({
      enabled: false,
      receivers: ['r1', 'r2'],
    });
  });

  it.each([
    [{ enabled: 'yes', receivers: [] }],
    [{ enabled: true, receivers: [''] }],
    [{ enabled: true, receivers: ['x'.repeat(129)] }],
    [{ enabled: true, receivers: Array.from({ length: 11 }, (_, i) => `r${i}`) }],
    [{ enabled: true, receivers: 'r1' }],
  ])('refuses %j with slo.invalid_burn_rate_alerts', (input) => {
    expect(codeOf(() => burnRateAlertsConfig(input as never))).toBe('slo.invalid_burn_rate_alerts');
  });

  it.each([
    [[{ severity: 'sev1', firedAt: AT, rules: ['page-1h-5m'] }]],
    [[{ severity: 'page', firedAt: AT, rules: [] }]],
    [[{ severity: 'page', firedAt: AT, rules: ['ticket-3d-6h'] }]],
    [[page(), page()]],
  ])('refuses the active alerts %j with slo.invalid_burn_alert', (input) => {
    expect(codeOf(() => activeBurnAlerts(input as never))).toBe('slo.invalid_burn_alert');
  });
});

const input: CreateSloDefinitionInput = {
  sloId: 'slo-1',
  tenantId: 'acme',
  projectId: 'checkout',
  name: 'Payments availability',
  indicator: {
    kind: 'ratio',
    goodMetric: 'http.requests.good',
    totalMetric: 'http.requests',
    filter: { service: 'payments-api' },
  },
  target: 99.9,
  windowMinutes: 43_200,
  createdAt: '2025-01-01T00:00:00.000Z',
  burnRateAlerts: { enabled: true, receivers: ['rcv-1'] },
};

/** Counts of `minutes` minutes of 1 000 events a minute, `rate` × the budget bad. */
const minutes = (n: number, rate: number): SliCounts => ({
  good: n * 1_000 - n * rate,
  total: n * 1_000,
});
const add = (a: SliCounts, b: SliCounts): SliCounts => ({
  good: a.good + b.good,
  total: a.total + b.total,
});

describe('SloDefinition burn-rate alerts', () => {
  it('pages on a steady 20× burn within its first five minutes, long before SloBreached', () => {
    const slo = SloDefinition.create(input);
    // A day of clean traffic that ended more than an hour ago, then a 20× burn (2 % bad).
    const history = minutes(1_440, 0);
    const recorded: string[] = [];
    for (let n = 1; n <= 5; n += 1) {
      const at = new Date(Date.parse('2025-01-02T02:00:00.000Z') + n * 60_000).toISOString();
      const spike = minutes(n, 20);
      slo.evaluate(
        {
          window: add(history, spike),
          burnWindows: {
            '5m': spike,
            '30m': spike,
            '1h': spike,
            '6h': spike,
            '3d': add(history, spike),
          },
        },
        at,
      );
      recorded.push(...slo.pullEvents().map((e) => e.eventType));
      expect(slo.status).not.toBe('breached');
    }
    expect(recorded).toEqual(['SloBurnRateAlertFired']);
    expect(slo.activeBurnAlerts).toEqual([
      {
        severity: 'page',
        firedAt: '2025-01-02T02:01:00.000Z',
        rules: ['page-1h-5m', 'page-6h-30m'],
      },
    ]);
  });

  it('records Fired then Resolved with the payload of the contract', () => {
    const slo = SloDefinition.create(input);
    const hot = minutes(5, 20);
    slo.evaluate(
      { window: minutes(10_000, 0.1), burnWindows: { '5m': hot, '1h': hot } },
      '2025-01-01T10:00:00.000Z',
    );
    const [fired] = slo.pullEvents() as SloBurnRateAlertFired[];
    expect(fired).toEqual({
      eventType: 'SloBurnRateAlertFired',
      aggregateType: 'SloDefinition',
      aggregateId: 'slo-1',
      tenantId: 'acme',
      traceId: null,
      occurredAt: '2025-01-01T10:00:00.000Z',
      payload: {
        sloId: 'slo-1',
        projectId: 'checkout',
        name: 'Payments availability',
        severity: 'page',
        target: 99.9,
        windowMinutes: 43_200,
        errorBudget: 0.1,
        budgetRemaining: 0.09,
        rules: [
          {
            rule: 'page-1h-5m',
            longWindow: '1h',
            shortWindow: '5m',
            threshold: 14.4,
            longBurnRate: 20,
            shortBurnRate: 20,
          },
        ],
        burnRates: { '5m': 20, '30m': null, '1h': 20, '6h': null, '3d': null },
        dimensions: { service: 'payments-api' },
        receivers: ['rcv-1'],
        traceIds: [],
        firedAt: '2025-01-01T10:00:00.000Z',
      },
    });

    // Still burning: no event.
    slo.evaluate(
      { window: minutes(10_000, 0.1), burnWindows: { '5m': hot, '1h': hot } },
      '2025-01-01T10:01:00.000Z',
    );
    expect(slo.pullEvents()).toEqual([]);

    slo.evaluate(
      { window: minutes(10_000, 0.1), burnWindows: { '5m': minutes(5, 0), '1h': hot } },
      '2025-01-01T10:06:00.000Z',
    );
    const [resolved] = slo.pullEvents() as SloBurnRateAlertResolved[];
    expect(resolved).toMatchObject({
      eventType: 'SloBurnRateAlertResolved',
      occurredAt: '2025-01-01T10:06:00.000Z',
      payload: {
        severity: 'page',
        firedAt: '2025-01-01T10:00:00.000Z',
        resolvedAt: '2025-01-01T10:06:00.000Z',
        rules: [{ rule: 'page-1h-5m', longBurnRate: 20, shortBurnRate: 0 }],
      },
    });
    expect(slo.activeBurnAlerts).toEqual([]);
  });

  it('keeps the active alerts across a snapshot and rehydration', () => {
    const slo = SloDefinition.create(input);
    const hot = minutes(5, 20);
    slo.evaluate(
      { window: minutes(10_000, 0.1), burnWindows: { '5m': hot, '1h': hot } },
      '2025-01-01T10:00:00.000Z',
    );
    const again = SloDefinition.rehydrate(slo.toSnapshot());
    expect(again.toSnapshot()).toEqual(slo.toSnapshot());
    again.evaluate(
      { window: minutes(10_000, 0.1), burnWindows: { '5m': hot, '1h': hot } },
      '2025-01-01T10:01:00.000Z',
    );
    expect(again.pullEvents()).toEqual([]);
  });

  it('fires nothing during a maintenance window', () => {
    const slo = SloDefinition.create(input);
    slo.scheduleMaintenance({
      id: 'mw-1',
      start: '2025-01-01T09:30:00.000Z',
      end: '2025-01-01T10:30:00.000Z',
      reason: 'failover drill',
    });
    const hot = minutes(5, 20);
    slo.evaluate(
      { window: minutes(10_000, 0.1), burnWindows: { '5m': hot, '1h': hot } },
      '2025-01-01T10:00:00.000Z',
    );
    expect(slo.pullEvents()).toEqual([]);
    // The window ends: the same burn now pages.
    slo.evaluate(
      { window: minutes(10_000, 0.1), burnWindows: { '5m': hot, '1h': hot } },
      '2025-01-01T10:30:00.000Z',
    );
    expect(slo.pullEvents().map((e) => e.eventType)).toEqual(['SloBurnRateAlertFired']);
  });

  it('resolves a firing alert when a redefinition turns the alerts off', () => {
    const slo = SloDefinition.create(input);
    const hot = minutes(5, 20);
    const observation = { window: minutes(10_000, 0.1), burnWindows: { '5m': hot, '1h': hot } };
    slo.evaluate(observation, '2025-01-01T10:00:00.000Z');
    slo.pullEvents();
    slo.redefine({ ...input, burnRateAlerts: { enabled: false, receivers: [] } }, observation);
    expect(slo.pullEvents().map((e) => e.eventType)).toEqual(['SloBurnRateAlertResolved']);
    expect(slo.toSnapshot().burnRateAlerts).toEqual({ enabled: false, receivers: [] });
  });

  it('refuses invalid settings at creation', () => {
    expect(
      codeOf(() =>
        SloDefinition.create({ ...input, burnRateAlerts: { enabled: true, receivers: [' '] } }),
      ),
    ).toBe('slo.invalid_burn_rate_alerts');
  });
});
