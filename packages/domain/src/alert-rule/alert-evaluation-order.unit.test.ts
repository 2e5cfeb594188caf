import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import type { WindowSize } from '../kernel/time.js';
import { worseValue, type ComparisonOperator } from './alert-condition.js';
import {
  AlertEvaluation,
  DEFAULT_ALERT_LATENESS_GRACE_MS,
  type AlertEvaluationSnapshot,
  type AlertObservation,
  type LegacyAlertEvaluationSnapshot,
} from './alert-evaluation.js';
import { AlertRule } from './alert-rule.aggregate.js';
import type { AlertResolved, AlertRuleEvent, AlertTriggered } from './alert-rule.events.js';

/*
 * Windows that arrive out of event-time order: the lateness grace, several series in one group,
 * the state persisted between them, and the property that arrival order within the grace never
 * changes which alerts fire.
 */

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

const T0 = Date.parse('2024-05-01T10:00:00.000Z');
const MINUTE = 60_000;
/**
 * The lateness grace most of these tests were written for (the default before it became one
 * window, for timeliness): they test the ordering and lateness mechanism within a two-minute grace.
 */
const TWO_MINUTE_GRACE = { latenessGraceMs: 2 * MINUTE } as const;
const HIGH = 310;
const LOW = 100;
const context = { knownMetrics: new Set(['http.server.duration']), nameTaken: false };

function rule(
  forMinutes: number,
  options: { operator?: ComparisonOperator; threshold?: number; window?: WindowSize } = {},
): AlertRule {
  return AlertRule.create(
    {
      alertRuleId: 'rule-1',
      tenantId: 'acme',
      name: 'Payments p95 latency',
      scope: { projectId: 'checkout', moduleId: null },
      condition: {
        metric: 'http.server.duration',
        window: options.window ?? '1m',
        aggregation: 'p95',
        groupBy: ['service'],
        operator: options.operator ?? 'gt',
        threshold: options.threshold ?? 300,
        forMinutes,
      },
      severity: 'high',
    },
    context,
  );
}

/** The 1-minute window ending `minute` minutes after T0. */
function at(minute: number, value: number, service = 'a', traceId?: string): AlertObservation {
  return {
    window: '1m',
    windowStart: new Date(T0 + (minute - 1) * MINUTE).toISOString(),
    windowEnd: new Date(T0 + minute * MINUTE).toISOString(),
    value,
    groupKey: `service=${service}`,
    group: { service },
    traceId,
  };
}

const iso = (minute: number): string => new Date(T0 + minute * MINUTE).toISOString();

/** What identifies an alert: the brief's "set of AlertTriggered", order-free. */
function alertSet(events: readonly AlertRuleEvent[]): string[] {
  return events
    .filter((e): e is AlertTriggered => e.eventType === 'AlertTriggered')
    .map((e) => `${e.payload.fingerprint}|${e.payload.activeAt}|${e.payload.firedAt}`)
    .sort();
}

/** The episodes AlertResolved ended, order-free. */
function resolvedSet(events: readonly AlertRuleEvent[]): string[] {
  return events
    .filter((e): e is AlertResolved => e.eventType === 'AlertResolved')
    .map((e) => `${e.payload.fingerprint}|${e.payload.activeAt}|${e.payload.resolvedAt}`)
    .sort();
}

describe('AlertEvaluation and the window size', () => {
  it('evaluates only windows of its own size', () => {
    const evaluation = AlertEvaluation.create(rule(0, { window: '5m' }));
    const fiveMinute = (end: number, value: number): AlertObservation => ({
      window: '5m',
      windowStart: iso(end - 5),
      windowEnd: iso(end),
      value,
      groupKey: 'service=a',
      group: { service: 'a' },
    });
    // One-minute windows of the same series are ignored: no state, no clock, not counted late.
    for (const m of [1, 2, 3, 4, 5, 6]) evaluation.observe(at(m, HIGH));
    expect(evaluation.toSnapshot()).toMatchObject({ newestWindowEnd: null, groups: [] });
    expect(evaluation.lateWindowsIgnored).toBe(0);
    evaluation.observe(fiveMinute(5, LOW));
    evaluation.observe(fiveMinute(10, HIGH));
    evaluation.observe(fiveMinute(15, HIGH));
    // Contiguous 5-minute windows; the grace (2 min) is less than a window, so no waiting.
    expect(alertSet(evaluation.pullEvents())).toEqual([`rule-1:service=a|${iso(10)}|${iso(10)}`]);
  });
});

describe('AlertEvaluation lateness', () => {
  it('evaluates a window that arrives after its successor in event-time order', () => {
    const late = AlertEvaluation.create(rule(1), TWO_MINUTE_GRACE);
    late.observe(at(1, HIGH));
    late.observe(at(3, HIGH));
    // Without 10:02 the episode would restart at 10:03 after a gap.
    expect(late.stateOf('service=a')).toBe('pending');
    expect(late.observe(at(2, HIGH))).toMatchObject({
      status: 'firing',
      activeAt: iso(1),
      firedAt: iso(2),
      lastWindowEnd: iso(3),
    });
    expect(alertSet(late.pullEvents())).toEqual([`rule-1:service=a|${iso(1)}|${iso(2)}`]);
    expect(late.lateWindowsIgnored).toBe(0);
  });

  it('ignores and counts a window older than the grace horizon', () => {
    const evaluation = AlertEvaluation.create(rule(0), { latenessGraceMs: 2 * MINUTE });
    evaluation.observe(at(1, LOW));
    evaluation.observe(at(5, LOW));
    const before = evaluation.toSnapshot();
    // 10:03 is exactly two minutes behind 10:05: final, so too late.
    expect(evaluation.observe(at(3, HIGH)).status).toBe('inactive');
    expect(evaluation.observe(at(2, HIGH, 'b')).status).toBe('inactive');
    expect(evaluation.lateWindowsIgnored).toBe(2);
    expect(evaluation.toSnapshot()).toEqual({ ...before, lateWindows: 2 });
    expect(evaluation.pullEvents()).toEqual([]);
    // 10:04 is still within it.
    evaluation.observe(at(4, HIGH));
    evaluation.observe(at(6, LOW));
    expect(alertSet(evaluation.pullEvents())).toEqual([`rule-1:service=a|${iso(4)}|${iso(4)}`]);
  });

  it('waits to announce until a late breach can no longer move the start', () => {
    const evaluation = AlertEvaluation.create(rule(0), { latenessGraceMs: 3 * MINUTE });
    evaluation.observe(at(5, HIGH));
    evaluation.observe(at(6, LOW));
    expect(evaluation.pullEvents()).toEqual([]);
    // The breach at 10:04 arrives late: the episode starts there, not at 10:05.
    evaluation.observe(at(4, HIGH));
    evaluation.observe(at(8, LOW));
    expect(alertSet(evaluation.pullEvents())).toEqual([`rule-1:service=a|${iso(4)}|${iso(4)}`]);
  });

  it('lets a late breach join two short runs into one episode that fires', () => {
    const evaluation = AlertEvaluation.create(rule(3), { latenessGraceMs: 5 * MINUTE });
    for (const m of [1, 2, 4, 5]) evaluation.observe(at(m, HIGH));
    // Two runs of two windows: neither held for three minutes.
    expect(evaluation.pullEvents()).toEqual([]);
    expect(evaluation.observe(at(3, HIGH))).toMatchObject({ status: 'firing', activeAt: iso(1) });
    evaluation.observe(at(20, LOW));
    expect(alertSet(evaluation.pullEvents())).toEqual([`rule-1:service=a|${iso(1)}|${iso(4)}`]);
  });

  it('shows a decided but unannounced episode as pending, then firing once announced', () => {
    const evaluation = AlertEvaluation.create(rule(0), TWO_MINUTE_GRACE);
    expect(evaluation.observe(at(1, HIGH))).toMatchObject({ status: 'pending', firedAt: null });
    expect(evaluation.groupStates()).toEqual([
      expect.objectContaining({ groupKey: 'service=a', status: 'pending', activeAt: iso(1) }),
    ]);
    evaluation.observe(at(2, HIGH));
    expect(evaluation.groupStates()).toEqual([
      expect.objectContaining({ status: 'firing', activeAt: iso(1), firedAt: iso(1) }),
    ]);
  });

  it('a window of one group moves the horizon for every group of the rule', () => {
    const evaluation = AlertEvaluation.create(rule(0), TWO_MINUTE_GRACE);
    evaluation.observe(at(1, HIGH, 'quiet-after'));
    expect(evaluation.pullEvents()).toEqual([]);
    // service=quiet-after stops reporting; service=b keeps event time moving.
    evaluation.observe(at(2, LOW, 'b'));
    expect(alertSet(evaluation.pullEvents())).toEqual([
      `rule-1:service=quiet-after|${iso(1)}|${iso(1)}`,
    ]);
  });

  it('carries the trace of the window that fired the episode', () => {
    const evaluation = AlertEvaluation.create(rule(1));
    evaluation.observe(at(1, HIGH, 'a', 'a'.repeat(32)));
    evaluation.observe(at(2, HIGH, 'a', 'b'.repeat(32)));
    expect(evaluation.pullEvents().map((e) => e.traceId)).toEqual(['b'.repeat(32)]);
  });

  it('refuses a grace that is not a whole, positive number of milliseconds', () => {
    for (const latenessGraceMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(codeOf(() => AlertEvaluation.create(rule(0), { latenessGraceMs }))).toBe(
        'alert_rule.invalid_lateness_grace',
      );
    }
    expect(DEFAULT_ALERT_LATENESS_GRACE_MS).toBe(MINUTE);
  });
});

describe('several series in one group', () => {
  it.each([
    ['gt', 300, [310, 100], 310],
    ['gte', 300, [100, 300], 300],
    ['lt', 10, [50, 5], 5],
    ['lte', 10, [10, 50], 10],
    ['eq', 0, [3, 0], 0],
    ['neq', 0, [0, -2], -2],
  ] as const)(
    '%s %s: the group breaches when one series does, with the worst value',
    (operator, threshold, values, worst) => {
      const quiet = values[0] === worst ? values[1] : values[0];
      for (const [first, second] of [values, [values[1], values[0]]]) {
        const evaluation = AlertEvaluation.create(rule(0, { operator, threshold }));
        // Two series of service=a (another dimension differs) report the same window.
        evaluation.observe(at(1, first));
        evaluation.observe(at(1, second));
        expect(evaluation.toSnapshot().groups[0]?.recent[0]?.value).toBe(worst);
        expect(evaluation.observe(at(2, quiet)).status).toBe('inactive');
        const alerts = evaluation.pullEvents();
        expect(alerts.map((e) => [e.payload.activeAt, e.payload.observedValue])).toEqual([
          [iso(1), worst],
        ]);
      }
    },
  );

  it('picks the worse value as a maximum: commutative, associative, idempotent', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<ComparisonOperator>('gt', 'gte', 'lt', 'lte', 'eq', 'neq'),
        fc.integer({ min: -5, max: 5 }),
        fc.array(fc.integer({ min: -10, max: 10 }), { minLength: 1, maxLength: 6 }),
        (operator, threshold, values) => {
          const condition = rule(0, { operator, threshold }).toSnapshot().condition;
          const fold = (list: readonly number[]) =>
            list.reduce((acc, v) => worseValue(condition, acc, v));
          const worst = fold(values);
          expect(fold([...values].reverse())).toBe(worst);
          expect(fold([...values, ...values])).toBe(worst);
          expect(values).toContain(worst);
        },
      ),
    );
  });

  it('keeps the smaller trace id when two series report the same worst value', () => {
    for (const traces of [
      ['1'.repeat(32), '2'.repeat(32)],
      ['2'.repeat(32), '1'.repeat(32)],
    ]) {
      const evaluation = AlertEvaluation.create(rule(0), TWO_MINUTE_GRACE);
      evaluation.observe(at(1, HIGH, 'a', traces[0]));
      evaluation.observe(at(1, HIGH, 'a', traces[1]));
      evaluation.observe(at(2, LOW));
      expect(evaluation.pullEvents().map((e) => e.traceId)).toEqual(['1'.repeat(32)]);
    }
  });
});

describe('AlertEvaluation state from before out-of-order evaluation', () => {
  const legacy = (
    overrides: Partial<LegacyAlertEvaluationSnapshot> = {},
  ): LegacyAlertEvaluationSnapshot => ({
    alertRuleId: 'rule-1',
    conditionKey: '["http.server.duration","p95",["service"],"gt",300,3]',
    groups: [
      {
        groupKey: 'service=a',
        group: { service: 'a' },
        status: 'pending',
        activeAt: iso(1),
        firedAt: null,
        lastWindowEnd: iso(2),
        lastValue: HIGH,
      },
    ],
    ...overrides,
  });

  it('continues a pending episode saved in the old format', () => {
    const evaluation = AlertEvaluation.rehydrate(rule(3), legacy());
    expect(evaluation.toSnapshot()).toMatchObject({
      newestWindowEnd: iso(2),
      groups: [{ settledThrough: iso(2), recent: [] }],
    });
    // Windows up to its last one were final then, so they are final now.
    expect(evaluation.observe(at(2, LOW)).status).toBe('pending');
    expect(evaluation.lateWindowsIgnored).toBe(1);
    evaluation.observe(at(3, HIGH));
    evaluation.observe(at(4, HIGH));
    expect(alertSet(evaluation.pullEvents())).toEqual([`rule-1:service=a|${iso(1)}|${iso(4)}`]);
  });

  it('keeps an old firing episode without announcing it again', () => {
    const [group] = legacy().groups;
    const firing = { ...group, status: 'firing', firedAt: iso(2) } as const;
    const evaluation = AlertEvaluation.rehydrate(
      rule(1),
      legacy({
        conditionKey: '["http.server.duration","p95",["service"],"gt",300,1]',
        groups: [firing as LegacyAlertEvaluationSnapshot['groups'][number]],
      }),
    );
    expect(evaluation.observe(at(3, HIGH)).status).toBe('firing');
    expect(evaluation.observe(at(4, HIGH)).status).toBe('firing');
    expect(evaluation.pullEvents()).toEqual([]);
  });

  it('restarts old state whose condition differs, or that a 5m rule never had', () => {
    expect(AlertEvaluation.rehydrate(rule(4), legacy()).toSnapshot().groups).toEqual([]);
    expect(
      AlertEvaluation.rehydrate(rule(3, { window: '5m' }), legacy()).toSnapshot().groups,
    ).toEqual([]);
  });

  it('refuses stored state whose recent windows are out of order or before settledThrough', () => {
    const evaluation = AlertEvaluation.create(rule(3), TWO_MINUTE_GRACE);
    for (const m of [1, 2, 3]) evaluation.observe(at(m, HIGH));
    const snapshot = evaluation.toSnapshot();
    const [group] = snapshot.groups;
    if (!group) throw new Error('expected a group');
    const broken: AlertEvaluationSnapshot[] = [
      { ...snapshot, groups: [{ ...group, recent: [...group.recent].reverse() }] },
      { ...snapshot, groups: [{ ...group, settledThrough: iso(5) }] },
      { ...snapshot, groups: [{ ...group, settled: null, recent: [] }] },
      { ...snapshot, groups: [{ ...group, triggered: ['yesterday'] }] },
      { ...snapshot, newestWindowEnd: 'soon' },
      { ...snapshot, lateWindows: -1 },
    ];
    for (const state of broken) {
      expect(codeOf(() => AlertEvaluation.rehydrate(rule(3), state, TWO_MINUTE_GRACE))).toBe(
        'alert_rule.invalid_evaluation_state',
      );
    }
    expect(AlertEvaluation.rehydrate(rule(3), snapshot, TWO_MINUTE_GRACE).toSnapshot()).toEqual(
      snapshot,
    );
  });
});

/*
 * The property of issue "Kit hardening" 3.4: whatever the arrival order within the grace, the same
 * alerts fire, with the same activeAt and firedAt, and the same state is left behind.
 */
describe('property: arrival order within the grace changes nothing', () => {
  interface Arrival {
    readonly observation: AlertObservation;
    readonly windowEnd: number;
  }

  /** Windows of up to 2 groups × 3 series over 16 minutes, some missing, some repeated. */
  const scenario = fc
    .record({
      forMinutes: fc.integer({ min: 0, max: 4 }),
      operator: fc.constantFrom<ComparisonOperator>('gt', 'lt'),
      // Whole minutes plus a part: the horizon falls between window ends and on them.
      graceMs: fc.integer({ min: 1, max: 6 * MINUTE }),
      cells: fc.array(
        fc.record({
          group: fc.constantFrom('a', 'b'),
          series: fc.constantFrom('x', 'y', 'z'),
          minute: fc.integer({ min: 1, max: 16 }),
          breach: fc.boolean(),
          value: fc.integer({ min: 0, max: 99 }),
        }),
        { maxLength: 60 },
      ),
    })
    .map(({ cells, ...rest }) => {
      // One value per (series, window): a series reports a window once (redeliveries are added
      // below as exact copies).
      const unique = new Map(cells.map((c) => [`${c.group}|${c.series}|${c.minute}`, c]));
      return { ...rest, cells: [...unique.values()] };
    });

  type ScenarioValue = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

  function arrivalsOf(s: ScenarioValue): Arrival[] {
    return s.cells.map((c) => {
      // gt 300: breaching values 301..400; lt 300: 200..299; quiet ones far on the other side.
      const delta = c.breach ? c.value + 1 : -(c.value + 100);
      const value = s.operator === 'gt' ? 300 + delta : 300 - delta;
      return {
        observation: {
          window: '1m',
          windowStart: iso(c.minute - 1),
          windowEnd: iso(c.minute),
          value,
          groupKey: `service=${c.group}`,
          group: { service: c.group },
          traceId: null,
        },
        windowEnd: T0 + c.minute * MINUTE,
      };
    });
  }
  /**
   * An independent statement of the rule: per group, a window breaches when any series does;
   * an episode is a run of contiguous breaching windows and fires at the first window at least
   * forMinutes after its start; it is announced once the window before its start is final.
   */
  function expectedAlerts(s: ScenarioValue, arrivals: readonly Arrival[]): string[] {
    const newest = Math.max(...arrivals.map((a) => a.windowEnd));
    const horizon = newest - s.graceMs;
    const alerts: string[] = [];
    for (const group of ['a', 'b']) {
      const breaching = new Map<number, boolean>();
      for (const a of arrivals.filter((x) => x.observation.group.service === group)) {
        const holds = s.operator === 'gt' ? a.observation.value > 300 : a.observation.value < 300;
        breaching.set(a.windowEnd, (breaching.get(a.windowEnd) ?? false) || holds);
      }
      let start: number | null = null;
      let fired = false;
      for (let end = T0; end <= T0 + 16 * MINUTE; end += MINUTE) {
        if (breaching.get(end) !== true) {
          start = null;
          fired = false;
          continue;
        }
        start ??= end;
        if (!fired && end - start >= s.forMinutes * MINUTE) {
          fired = true;
          if (start - MINUTE <= horizon) {
            alerts.push(
              `rule-1:service=${group}|${new Date(start).toISOString()}|${new Date(end).toISOString()}`,
            );
          }
        }
      }
    }
    return alerts.sort();
  }

  /** Feeds the windows in the given order, through a save and a reload between any two. */
  function run(s: ScenarioValue, order: readonly Arrival[]) {
    const theRule = rule(s.forMinutes, { operator: s.operator, threshold: 300 });
    const options = { latenessGraceMs: s.graceMs };
    let evaluation = AlertEvaluation.create(theRule, options);
    const events: AlertRuleEvent[] = [];
    for (const arrival of order) {
      const stored = JSON.parse(JSON.stringify(evaluation.toSnapshot())) as AlertEvaluationSnapshot;
      evaluation = AlertEvaluation.rehydrate(theRule, stored, options);
      evaluation.observe(arrival.observation);
      events.push(...evaluation.pullEvents());
    }
    return { events, evaluation };
  }

  it('fires the same alerts, once each, as the rule stated on the sorted windows', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.array(fc.integer({ min: 0, max: 6 * MINUTE - 1 }), { minLength: 60, maxLength: 60 }),
        fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
        fc.array(fc.nat({ max: 59 }), { maxLength: 5 }),
        (s, delays, tiebreaks, repeats) => {
          const arrivals = arrivalsOf(s);
          fc.pre(arrivals.length > 0);
          // Each window is delayed by less than the grace: it arrives before the rule sees any
          // window `grace` newer than it, which is what "within the grace" means.
          const keyed = arrivals.map((a, i) => ({
            a,
            key: a.windowEnd + ((delays[i] ?? 0) % s.graceMs),
            tie: tiebreaks[i] ?? 0,
          }));
          const shuffled = keyed
            .sort((x, y) => x.key - y.key || x.tie - y.tie)
            .map((k) => k.a)
            .flatMap((a, i) => (repeats.includes(i) ? [a, a] : [a]));
          const sorted = [...arrivals].sort((x, y) => x.windowEnd - y.windowEnd);

          const inOrder = run(s, sorted);
          const outOfOrder = run(s, shuffled);
          const expected = expectedAlerts(s, arrivals);
          expect(alertSet(inOrder.events)).toEqual(expected);
          expect(alertSet(outOfOrder.events)).toEqual(expected);
          // Episodes end (AlertResolved) the same way whatever the arrival order.
          expect(resolvedSet(outOfOrder.events)).toEqual(resolvedSet(inOrder.events));
          // The whole state left behind is the same too: what is final, what is recent.
          expect(outOfOrder.evaluation.toSnapshot()).toEqual(inOrder.evaluation.toSnapshot());
          expect(outOfOrder.evaluation.groupStates()).toEqual(inOrder.evaluation.groupStates());
          expect(outOfOrder.evaluation.lateWindowsIgnored).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
