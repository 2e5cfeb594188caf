import { describe, expect, it } from 'vitest';
import { METRIC_WINDOW_GRACE_MS } from '../metric-series/metric-series.aggregate.js';
import { AlertEvaluation, DEFAULT_ALERT_LATENESS_GRACE_MS } from './alert-evaluation.js';
import { AlertRule } from './alert-rule.aggregate.js';
import type { AlertTriggered } from './alert-rule.events.js';

/* The rule's event-time clock moved by the wall clock (advanceWithWallClock). */

const T0 = Date.parse('2024-05-01T10:00:00.000Z');
const MINUTE = 60_000;
const SECOND = 1_000;
/** The graces these tests were written for: metric 30 s, lateness two minutes. */
const METRIC_GRACE = 30 * SECOND;
const TWO_MINUTE_GRACE = { latenessGraceMs: 2 * MINUTE } as const;
const context = { knownMetrics: new Set(['http.server.duration']), nameTaken: false };

function rule(forMinutes: number): AlertRule {
  return AlertRule.create(
    {
      alertRuleId: 'rule-1',
      tenantId: 'acme',
      name: 'Payments p95 latency',
      scope: { projectId: 'checkout', moduleId: null },
      condition: {
        metric: 'http.server.duration',
        window: '1m',
        aggregation: 'p95',
        groupBy: ['service'],
        operator: 'gt',
        threshold: 300,
        forMinutes,
      },
      severity: 'high',
    },
    context,
  );
}

/** The window starting at minute m (ending at m + 1). */
function window(minute: number, value: number) {
  return {
    window: '1m',
    windowEnd: new Date(T0 + (minute + 1) * MINUTE).toISOString(),
    value,
    groupKey: 'service=payments-api',
    group: { service: 'payments-api' },
  };
}

const triggered = (evaluation: AlertEvaluation) =>
  evaluation.pullEvents().filter((e): e is AlertTriggered => e.eventType === 'AlertTriggered');

describe('AlertEvaluation.advanceWithWallClock', () => {
  it('makes a silent spike final at the end of the slot before it + metric grace + lateness grace', () => {
    const evaluation = AlertEvaluation.create(rule(0), TWO_MINUTE_GRACE);
    const arrival = T0 + MINUTE + METRIC_GRACE;
    evaluation.observe(window(0, 900), arrival);
    expect(triggered(evaluation)).toHaveLength(0);
    expect(evaluation.advanceWithWallClock(T0 + MINUTE + 89 * SECOND, METRIC_GRACE)).toBe(true);
    expect(triggered(evaluation)).toHaveLength(0);
    expect(evaluation.stateOf('service=payments-api')).toBe('pending');
    // The slot [T0 − 1m, T0) is final at T0 + 30 s + 120 s: the spike's end + 90 s.
    evaluation.advanceWithWallClock(T0 + MINUTE + 90 * SECOND, METRIC_GRACE);
    const [alert] = triggered(evaluation);
    expect(alert?.payload.activeAt).toBe(new Date(T0 + MINUTE).toISOString());
    expect(evaluation.stateOf('service=payments-api')).toBe('firing');
    // Later windows of the same episode and later ticks announce nothing more.
    evaluation.observe(window(1, 950), T0 + 2 * MINUTE + METRIC_GRACE);
    evaluation.advanceWithWallClock(T0 + 30 * MINUTE, METRIC_GRACE);
    expect(triggered(evaluation)).toHaveLength(0);
  });

  it('never moves past now − metric grace, and counts from when the clock last moved', () => {
    const evaluation = AlertEvaluation.create(rule(0));
    // A window an hour old arrives now: event time moves only with the time elapsed since.
    const now = T0 + 61 * MINUTE;
    evaluation.observe(window(0, 100), now);
    evaluation.advanceWithWallClock(now + 10 * SECOND, METRIC_GRACE);
    expect(evaluation.toSnapshot()).toMatchObject({
      newestWindowEnd: new Date(T0 + MINUTE + 10 * SECOND).toISOString(),
      clockAt: new Date(now + 10 * SECOND).toISOString(),
    });
    // A window arriving early (before its end + metric grace) is not overtaken.
    const early = AlertEvaluation.create(rule(0));
    early.observe(window(0, 100), T0 + MINUTE);
    expect(early.advanceWithWallClock(T0 + MINUTE + 20 * SECOND, METRIC_GRACE)).toBe(false);
  });

  it('starts counting from the first tick when the state has no clock yet, and survives a restart', () => {
    const evaluation = AlertEvaluation.create(rule(0), TWO_MINUTE_GRACE);
    evaluation.observe(window(0, 900));
    expect(evaluation.advanceWithWallClock(T0 + 5 * MINUTE, METRIC_GRACE)).toBe(false);
    const restarted = AlertEvaluation.rehydrate(rule(0), evaluation.toSnapshot(), TWO_MINUTE_GRACE);
    restarted.advanceWithWallClock(T0 + 7 * MINUTE, METRIC_GRACE);
    expect(triggered(restarted)).toHaveLength(1);
  });
});

describe('the default graces (timeliness, docs/services/alert-rule.md#timeliness)', () => {
  const series = (minute: number, value: number, service: string) => ({
    ...window(minute, value),
    groupKey: `service=${service}`,
    group: { service },
  });

  it('announces a forMinutes-0 spike on 1-minute windows as soon as its own window arrives', () => {
    expect(DEFAULT_ALERT_LATENESS_GRACE_MS).toBe(MINUTE);
    const evaluation = AlertEvaluation.create(rule(0));
    evaluation.observe(window(0, 100), T0 + MINUTE + METRIC_WINDOW_GRACE_MS);
    expect(triggered(evaluation)).toHaveLength(0);
    // The spike's window, published at its end + the metric grace: no later window is needed,
    // so a metric that goes silent after the spike is announced just the same.
    const arrival = T0 + 2 * MINUTE + METRIC_WINDOW_GRACE_MS;
    expect(evaluation.observe(window(1, 900), arrival).status).toBe('firing');
    const [alert] = triggered(evaluation);
    expect(alert?.payload.activeAt).toBe(new Date(T0 + 2 * MINUTE).toISOString());
    expect(evaluation.advanceWithWallClock(arrival + 10 * MINUTE, METRIC_WINDOW_GRACE_MS)).toBe(
      true,
    );
    expect(triggered(evaluation)).toHaveLength(0);
  });

  it('combines windows of the same end in any order; a window older than the newest is late', () => {
    const evaluation = AlertEvaluation.create(rule(0));
    evaluation.observe(series(0, 100, 'a'));
    evaluation.observe(series(1, 100, 'a'));
    // Another series of the rule with the same end still counts, in its place.
    expect(evaluation.observe(series(1, 900, 'b')).status).toBe('firing');
    expect(triggered(evaluation)).toHaveLength(1);
    // A window one window behind the rule's newest arrives after the newer one: late.
    expect(evaluation.observe(series(0, 900, 'c')).status).toBe('inactive');
    expect(evaluation.lateWindowsIgnored).toBe(1);
    expect(triggered(evaluation)).toHaveLength(0);
  });
});

describe('AlertResolved with resolveAfterWindows', () => {
  it('needs that many consecutive windows without the condition; a breach restarts the count', () => {
    const evaluation = AlertEvaluation.create(rule(1), { resolveAfterWindows: 2 });
    // Fires at minute 2; one quiet window; a breach (pending again) restarts the count; two quiet.
    for (const [minute, value] of [
      [0, 100],
      [1, 900],
      [2, 900],
      [3, 100],
      [4, 900],
      [5, 100],
      [6, 100],
      [10, 100],
    ] as const) {
      evaluation.observe(window(minute, value));
    }
    const events = evaluation.pullEvents();
    expect(events.map((e) => e.eventType)).toEqual(['AlertTriggered', 'AlertResolved']);
    expect(events[1]?.payload).toMatchObject({
      resolveAfterWindows: 2,
      activeAt: new Date(T0 + 2 * MINUTE).toISOString(),
      resolvedAt: new Date(T0 + 7 * MINUTE).toISOString(),
      observedValue: 100,
    });
    expect(() => AlertEvaluation.create(rule(0), { resolveAfterWindows: 0 })).toThrow(
      /resolveAfterWindows/,
    );
  });

  it('resolves a silent episode once the missing window is final, with no value', () => {
    const evaluation = AlertEvaluation.create(rule(0));
    evaluation.observe(window(0, 100), T0 + MINUTE + METRIC_GRACE);
    evaluation.observe(window(1, 900), T0 + 2 * MINUTE + METRIC_GRACE);
    evaluation.advanceWithWallClock(T0 + 3 * MINUTE + 150 * SECOND, METRIC_GRACE);
    const events = evaluation.pullEvents();
    expect(events.map((e) => e.eventType)).toEqual(['AlertTriggered', 'AlertResolved']);
    expect(events[1]?.payload).toMatchObject({
      observedValue: null,
      resolvedAt: new Date(T0 + 3 * MINUTE).toISOString(),
    });
  });
});
