/**
 * The contract between the two packages, proved with real events: every event type an aggregate
 * of @obs/domain can record has a payload schema in the registry, and an event produced through
 * the aggregate's public API (create + intent methods, never a hand-written payload) survives
 * envelopeFromDomainEvent → JSON → parseEnvelope with its payload unchanged.
 */
import {
  AlertEvaluation,
  AlertRule,
  CostSignal,
  DashboardDefinition,
  EscalationPolicy,
  FeedbackItem,
  Incident,
  LogRecordReference,
  MetricSeries,
  QualityScore,
  SloDefinition,
  TelemetryCorrelation,
  SpanMetricsBatch,
  TraceRecord,
  alertFingerprint,
  feedbackFromCostAnomaly,
  feedbackFromIncidentResolved,
  feedbackFromSloBreached,
  type AlertRuleEvent,
  type AlertTriggered,
  type CostAnomalyDetected,
  type CostSignalEvent,
  type DashboardDefinitionEvent,
  type FeedbackItemEvent,
  type IncidentDomainEvent,
  type IncidentResolved,
  type MetricSeriesEvent,
  type QualityScoreEvent,
  type SloDefinitionEvent,
  type SpanInput,
  type TelemetryCorrelationEvent,
  type TraceRecordEvent,
  type MeteredSpan,
} from '@obs/domain';

type SpanMetricsInputDimensions = MeteredSpan['dimensions'];
import { describe, expect, it } from 'vitest';
import { envelopeFromDomainEvent, parseEnvelope } from './envelope.js';
import { EVENT_TYPES, getEvent, isEventType, type EventType } from './registry.js';

/** Every event any aggregate can record, from the domain's own event unions. */
type AnyDomainEvent =
  | TraceRecordEvent
  | MetricSeriesEvent
  | DashboardDefinitionEvent
  | AlertRuleEvent
  | IncidentDomainEvent
  | FeedbackItemEvent
  | QualityScoreEvent
  | CostSignalEvent
  | SloDefinitionEvent
  | TelemetryCorrelationEvent;

type DomainEventType = AnyDomainEvent['eventType'];

/**
 * The domain's declared event types. `satisfies` makes the list exhaustive and exact: a new
 * member of any union above fails compilation here until it is listed (and then the run-time
 * checks below demand a schema and a scenario that produces it).
 */
const DECLARED = {
  TraceRecorded: true,
  SpanMetricsRecorded: true,
  MetricAggregated: true,
  DashboardDefined: true,
  DashboardUpdated: true,
  AlertTriggered: true,
  AlertResolved: true,
  IncidentOpened: true,
  IncidentAcknowledged: true,
  IncidentEscalated: true,
  IncidentResolved: true,
  FeedbackItemCreated: true,
  FeedbackItemRouted: true,
  FeedbackItemApplied: true,
  QualityScoreComputed: true,
  CostAnomalyDetected: true,
  SloBreached: true,
  SloBurnRateAlertFired: true,
  SloBurnRateAlertResolved: true,
  CorrelationSnapshotted: true,
} as const satisfies Record<DomainEventType, true>;

const DOMAIN_EVENT_TYPES = Object.keys(DECLARED) as DomainEventType[];

/**
 * Compile-time half of the proof: a domain event type the registry does not know turns this into
 * that type's name, and `true` no longer type-checks.
 */
type Unregistered = Exclude<DomainEventType, EventType>;
const EVERY_DOMAIN_EVENT_REGISTERED: [Unregistered] extends [never] ? true : Unregistered = true;

const TENANT = 'acme';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

const DIMENSIONS = {
  tenantId: TENANT,
  projectId: 'checkout',
  moduleId: 'payments',
  artifactId: 'payments-api',
  executionId: 'exec-42',
  agentId: 'none',
  service: 'payments-api',
  serviceVersion: '1.14.2',
  environment: 'production',
  region: 'westeurope',
  origin: 'generated-saas',
};

const KNOWN_METRICS = new Set(['http.server.duration', 'queue.depth']);

// ---------------------------------------------------------------------------------------------
// Scenarios: each drives one aggregate through its public API and returns the events it pulled.
// They are deterministic, so a scenario may reuse another's events as its input.
// ---------------------------------------------------------------------------------------------

function traceSpan(
  spanId: string,
  parentSpanId: string | null,
  name: string,
  startedAt: string,
  durationMs: number,
  status?: string,
): SpanInput {
  return {
    traceId: TRACE,
    tenantId: TENANT,
    spanId,
    parentSpanId,
    name,
    moduleId: 'payments',
    startedAt,
    durationMs,
    ...(status === undefined ? {} : { status }),
  };
}

function traceRecordEvents(): TraceRecordEvent[] {
  const trace = TraceRecord.create({
    traceId: TRACE,
    tenantId: TENANT,
    dimensions: DIMENSIONS,
    spans: [
      traceSpan(
        '00f067aa0ba902b7',
        null,
        'POST /v1/payments',
        '2024-05-01T10:00:00.000Z',
        412.5,
        'ok',
      ),
      traceSpan('00f067aa0ba902b8', '00f067aa0ba902b7', 'SELECT', '2024-05-01T10:00:00.010Z', 20),
    ],
    recordedAt: '2024-05-01T10:00:05.000Z',
  });
  // A late failing span updates the record: TraceRecorded again, now with status error.
  trace.addSpans(
    [
      traceSpan(
        '00f067aa0ba902b9',
        '00f067aa0ba902b7',
        'charge card',
        '2024-05-01T10:00:00.100Z',
        300,
        'error',
      ),
    ],
    '2024-05-01T10:00:09.000Z',
  );
  return trace.pullEvents();
}

/** The RED metrics of an assembly run: the spans of one trace, a retried copy counted once. */
function spanMetricsEvents(): TraceRecordEvent[] {
  const batch = SpanMetricsBatch.forTenant(TENANT);
  const spans = [
    { spanId: '00f067aa0ba902b7', name: 'POST /v1/payments', kind: 2, status: 'error', ms: 412.5 },
    { spanId: '00f067aa0ba902b8', name: 'SELECT', kind: 3, status: 'unset', ms: 20 },
    { spanId: '00f067aa0ba902b8', name: 'SELECT', kind: 3, status: 'unset', ms: 20 },
  ] as const;
  for (const s of spans) {
    batch.count({
      traceId: TRACE,
      spanId: s.spanId,
      name: s.name,
      kind: s.kind,
      status: s.status,
      durationMs: s.ms,
      dimensions: DIMENSIONS as SpanMetricsInputDimensions,
    });
  }
  return batch.recorded('b7a1c0de-5f1e-4c2a-9d3b-0a1b2c3d4e5f', '2024-05-01T10:00:05.000Z');
}

function metricSeriesEvents(): MetricSeriesEvent[] {
  const grouped = MetricSeries.create({
    tenantId: TENANT,
    projectId: 'checkout',
    metricName: 'http.server.duration',
    unit: 'ms',
    window: '5m',
    windowStart: '2024-05-01T10:00:00.000Z',
    group: { service: 'payments-api' },
    points: [
      { timestamp: '2024-05-01T10:00:01.000Z', value: 98 },
      { timestamp: '2024-05-01T10:01:00.000Z', value: 310 },
      { timestamp: '2024-05-01T10:04:59.999Z', value: 120.5 },
    ],
  });
  grouped.close('2024-05-01T10:05:30.000Z');
  // Edges of the contract: an ungrouped series (groupKey '', group {}), an empty unit, no points.
  const empty = MetricSeries.create({
    tenantId: TENANT,
    projectId: 'checkout',
    metricName: 'queue.depth',
    unit: '',
    window: '1m',
    windowStart: '2024-05-01T10:00:00.000Z',
    group: {},
  });
  empty.close('2024-05-01T10:01:30.000Z');
  return [...grouped.pullEvents(), ...empty.pullEvents()];
}

function dashboardEvents(): DashboardDefinitionEvent[] {
  const context = {
    knownMetrics: KNOWN_METRICS,
    knownSloIds: new Set(['slo-availability']),
    nameTaken: false,
  };
  const dashboard = DashboardDefinition.create(
    {
      dashboardId: '6f1c2a8e-3d4b-4c5a-9e7f-0a1b2c3d4e5f',
      tenantId: TENANT,
      name: 'Payments latency',
      scope: { projectId: 'checkout', moduleId: 'payments' },
      panels: [
        { type: 'timeseries', metric: 'http.server.duration', layout: { x: 0, y: 0, w: 12, h: 8 } },
        { type: 'stat', sloId: 'slo-availability', layout: { x: 12, y: 0, w: 12, h: 8 } },
      ],
      createdAt: '2024-05-01T09:00:00.000Z',
    },
    context,
  );
  dashboard.update(
    {
      name: 'Checkout overview',
      scope: { projectId: 'checkout', moduleId: null },
      panels: [{ type: 'trace', layout: { x: 0, y: 0, w: 24, h: 10 } }],
    },
    context,
    '2024-05-01T09:30:00.000Z',
  );
  return dashboard.pullEvents();
}

function alertRule(id: string, groupBy: string[], forMinutes: number): AlertRule {
  return AlertRule.create(
    {
      alertRuleId: id,
      tenantId: TENANT,
      name: `Payments p95 latency ${id}`,
      scope: { projectId: 'checkout', moduleId: groupBy.length === 0 ? null : 'payments' },
      condition: {
        metric: 'http.server.duration',
        window: '5m',
        aggregation: 'p95',
        groupBy,
        operator: 'gt',
        threshold: 300,
        forMinutes,
      },
      severity: 'high',
      actions: [{ type: 'incident', target: 'team-payments-oncall' }],
    },
    { knownMetrics: KNOWN_METRICS, nameTaken: false },
  );
}

function alertEvents(): AlertRuleEvent[] {
  const grouped = alertRule('b2d7e1f0-8a9c-4d3e-b5f6-7a8b9c0d1e2f', ['service'], 5);
  // The rule is configuration: creating it records nothing.
  expect(grouped.pullEvents()).toEqual([]);
  const evaluation = AlertEvaluation.create(grouped);
  const group = { service: 'payments-api' };
  // Pending at the end of the first breaching window, firing five minutes later.
  evaluation.observe({
    window: '5m',
    windowStart: '2024-05-01T10:00:00.000Z',
    windowEnd: '2024-05-01T10:05:00.000Z',
    value: 310,
    groupKey: 'service=payments-api',
    group,
  });
  evaluation.observe({
    window: '5m',
    windowStart: '2024-05-01T10:05:00.000Z',
    windowEnd: '2024-05-01T10:10:00.000Z',
    value: 320,
    groupKey: 'service=payments-api',
    group,
  });
  // Ungrouped with forMinutes 0: fires on the first breaching window, fingerprint `<id>:`.
  const ungrouped = AlertEvaluation.create(alertRule('rule-ungrouped', [], 0));
  ungrouped.observe({
    window: '5m',
    windowEnd: '2024-05-01T10:05:00.000Z',
    value: 301,
    groupKey: '',
    group: {},
  });
  return [...evaluation.pullEvents(), ...ungrouped.pullEvents()];
}

/** A 5-minute rule that fires on a breaching window and resolves on the next one that is not. */
function alertResolvedEvents(): AlertRuleEvent[] {
  const evaluation = AlertEvaluation.create(
    alertRule('b2d7e1f0-8a9c-4d3e-b5f6-7a8b9c0d1e2f', ['service'], 0),
  );
  const group = { service: 'payments-api' };
  for (const [windowEnd, value] of [
    ['2024-05-01T10:05:00.000Z', 310],
    ['2024-05-01T10:10:00.000Z', 100],
    ['2024-05-01T10:15:00.000Z', 100],
  ] as const) {
    evaluation.observe({ window: '5m', windowEnd, value, groupKey: 'service=payments-api', group });
  }
  return evaluation.pullEvents();
}

function firstOf<T extends AnyDomainEvent['eventType']>(
  events: readonly AnyDomainEvent[],
  eventType: T,
): Extract<AnyDomainEvent, { eventType: T }> {
  const found = events.find((e) => e.eventType === eventType);
  if (found === undefined) throw new Error(`scenario recorded no ${eventType}`);
  return found as Extract<AnyDomainEvent, { eventType: T }>;
}

function incidentEvents(): IncidentDomainEvent[] {
  const alert = firstOf(alertEvents(), 'AlertTriggered');
  const fromAlert = Incident.fromAlert({
    incidentId: '9c3f5b1a-2e4d-4f6a-8b7c-1d2e3f4a5b6c',
    tenantId: TENANT,
    alert,
    openedAt: '2024-05-01T10:10:01.000Z',
    escalationSteps: [
      { level: 1, target: 'user-42', delayMinutes: 0 },
      { level: 2, target: 'team-payments-oncall', delayMinutes: 15 },
    ],
  });
  fromAlert.escalateDue('2024-05-01T10:25:01.000Z');
  fromAlert.acknowledge({ actor: 'user-42', at: '2024-05-01T10:26:00.000Z' });
  fromAlert.investigate({ actor: 'user-42', at: '2024-05-01T10:30:00.000Z' });
  fromAlert.resolve({
    actor: 'user-42',
    at: '2024-05-01T11:40:01.000Z',
    rootCause: 'Connection pool exhausted after a config change',
  });
  // A failing trace opens an incident that carries the eleven dimensions and the trace.
  const fromTrace = Incident.create({
    incidentId: 'inc-trace-1',
    tenantId: TENANT,
    projectId: 'checkout',
    moduleId: 'payments',
    title: 'POST /v1/payments failed',
    severity: 'warning',
    source: 'trace',
    sourceRef: TRACE,
    dimensions: DIMENSIONS,
    openedAt: '2024-05-01T10:00:10.000Z',
  });
  // A manual incident: no sourceRef, no module, no dimensions.
  const manual = Incident.create({
    incidentId: 'inc-manual-1',
    tenantId: TENANT,
    projectId: 'checkout',
    title: 'Customers report double charges',
    severity: 'critical',
    source: 'manual',
    openedAt: '2024-05-01T12:00:00.000Z',
    openedBy: 'user-7',
  });
  manual.resolve({ actor: 'user-7', at: '2024-05-01T12:00:00.000Z', rootCause: 'Retry storm' });
  // An incident on an escalation policy: its steps carry receivers and the on-call member.
  const policy = EscalationPolicy.create({
    policyId: '2a7c9e1f-3b5d-4f7a-9c1e-3f5a7b9c1d3e',
    tenantId: TENANT,
    name: 'payments',
    steps: [
      { delayMinutes: 0, receiverIds: ['6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f'] },
      { delayMinutes: 10, scheduleIds: ['4d6f8a0c-2e4a-4c6e-8a0c-2e4a6c8e0a2c'] },
    ],
    at: '2024-05-01T09:00:00.000Z',
  });
  const onPolicy = Incident.create({
    incidentId: 'inc-policy-1',
    tenantId: TENANT,
    projectId: 'checkout',
    title: 'Checkout is failing',
    severity: 'high',
    source: 'manual',
    openedAt: '2024-05-01T13:00:00.000Z',
    escalationSteps: policy.incidentSteps(),
    escalationPolicyId: policy.id,
  });
  onPolicy.escalateDue('2024-05-01T13:10:00.000Z', () => ({
    scheduleName: 'payments primary',
    member: 'alice@example.com',
  }));
  return [
    ...fromAlert.pullEvents(),
    ...fromTrace.pullEvents(),
    ...manual.pullEvents(),
    ...onPolicy.pullEvents(),
  ];
}

function sloEvents(): SloDefinitionEvent[] {
  const slo = SloDefinition.create({
    sloId: 'e7f8a9b0-c1d2-4e3f-8a4b-5c6d7e8f9a0b',
    tenantId: TENANT,
    projectId: 'checkout',
    name: 'Payments availability',
    indicator: {
      kind: 'ratio',
      goodMetric: 'http.server.requests.good',
      totalMetric: 'http.server.requests',
      filter: {},
    },
    target: 99.9,
    windowMinutes: 43_200,
    createdAt: '2024-05-01T09:00:00.000Z',
  });
  expect(slo.pullEvents()).toEqual([]);
  slo.evaluate({ window: { good: 99_950, total: 100_000 } }, '2024-05-01T10:00:00.000Z');
  slo.evaluate({ window: { good: 99_880, total: 100_000 } }, '2024-05-01T10:30:00.000Z');
  // Still breached: one breach is one event.
  slo.evaluate({ window: { good: 99_800, total: 100_000 } }, '2024-05-01T10:35:00.000Z');
  return slo.pullEvents();
}

/** A page burn-rate alert fires at 20x over 1h and 5m, and resolves when the 5m window cools. */
function sloBurnEvents(): SloDefinitionEvent[] {
  const slo = SloDefinition.create({
    sloId: 'e7f8a9b0-c1d2-4e3f-8a4b-5c6d7e8f9a0b',
    tenantId: TENANT,
    projectId: 'checkout',
    name: 'Payments availability',
    indicator: {
      kind: 'ratio',
      goodMetric: 'http.server.requests.good',
      totalMetric: 'http.server.requests',
      filter: { service: 'payments-api' },
    },
    target: 99.9,
    windowMinutes: 43_200,
    createdAt: '2024-05-01T09:00:00.000Z',
    burnRateAlerts: { enabled: true, receivers: ['0b7a1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d'] },
  });
  const burning = { good: 9_800, total: 10_000 };
  slo.evaluate(
    {
      window: { good: 999_800, total: 1_000_000 },
      burnWindows: { '5m': burning, '30m': burning, '1h': burning, '6h': burning },
    },
    '2024-05-01T10:05:00.000Z',
  );
  slo.evaluate(
    {
      window: { good: 999_790, total: 1_000_000 },
      burnWindows: { '5m': { good: 1_000, total: 1_000 }, '30m': burning, '1h': burning },
    },
    '2024-05-01T10:40:00.000Z',
  );
  const quiet = { good: 1_000, total: 1_000 };
  slo.evaluate(
    {
      window: { good: 999_790, total: 1_000_000 },
      burnWindows: { '5m': quiet, '30m': quiet, '1h': burning, '6h': burning },
    },
    '2024-05-01T11:10:00.000Z',
  );
  return slo.pullEvents();
}

const COST_INPUT = {
  tenantId: TENANT,
  projectId: 'checkout',
  period: { start: '2024-05-01T00:00:00.000Z', end: '2024-05-02T00:00:00.000Z' },
  currency: 'USD',
  breakdown: [
    { category: 'model_inference', amount: 184.2 },
    { category: 'compute', amount: 180 },
    { category: 'storage', amount: 14 },
  ],
  trailing: [
    {
      breakdown: [
        { category: 'model_inference', amount: 61.4 },
        { category: 'compute', amount: 100 },
      ],
    },
    {
      breakdown: [
        { category: 'model_inference', amount: 58 },
        { category: 'compute', amount: 120 },
      ],
    },
    {
      breakdown: [
        { category: 'model_inference', amount: 70 },
        { category: 'compute', amount: 80 },
      ],
    },
  ],
};

function costSignalEvents(): CostAnomalyDetected[] {
  const signal = CostSignal.create(COST_INPUT);
  // A late record raises storage against its baseline: only the new category is announced.
  signal.recompute({
    ...COST_INPUT,
    breakdown: [
      ...COST_INPUT.breakdown.filter((line) => line.category !== 'storage'),
      { category: 'storage', amount: 30 },
    ],
    trailing: COST_INPUT.trailing.map((p) => ({
      breakdown: [...p.breakdown, { category: 'storage', amount: 10 }],
    })),
  });
  return signal.pullEvents();
}

function feedbackEvents(): FeedbackItemEvent[] {
  const resolved: IncidentResolved = firstOf(incidentEvents(), 'IncidentResolved');
  const breached = firstOf(sloEvents(), 'SloBreached');
  const anomaly = firstOf(costSignalEvents(), 'CostAnomalyDetected');
  const drafts = [
    feedbackFromIncidentResolved(resolved.payload, { traceId: TRACE }),
    feedbackFromSloBreached(breached.payload),
    feedbackFromCostAnomaly(anomaly.payload),
  ];
  const items = drafts.map((draft, i) =>
    FeedbackItem.create({ ...draft, feedbackItemId: `fb-${i + 1}`, tenantId: TENANT }),
  );
  // A person speaking unprompted, about an artifact only: projectId and sourceId are null.
  items.push(
    FeedbackItem.create({
      feedbackItemId: 'fb-human',
      tenantId: TENANT,
      artifactId: 'payments-api',
      source: 'human',
      category: 'maintainability',
      sentiment: 'positive',
      summary: 'The new retry helper made the payment client much easier to follow',
      createdAt: '2024-05-01T13:00:00.000Z',
    }),
  );
  // The first item through the loop: routed by a rule that names a receiver, then applied.
  const [first] = items;
  first?.route({
    to: 'agent-fixer-7',
    at: '2024-05-01T14:00:00.000Z',
    feedbackRouteId: 'route-1',
    receiverId: 'receiver-1',
  });
  first?.apply({ changeRef: 'github:acme/checkout#1432', at: '2024-05-02T09:00:00.000Z' });
  return items.flatMap((item) => item.pullEvents());
}

function qualityScoreEvents(): QualityScoreEvent[] {
  const inputs = {
    tenantId: TENANT,
    projectId: 'checkout',
    window: { start: '2024-05-01T00:00:00.000Z', end: '2024-05-02T00:00:00.000Z' },
    feedback: [
      {
        feedbackItemId: 'fb-1',
        artifactId: 'payments-api',
        category: 'reliability',
        sentiment: 'negative',
        status: 'captured',
      },
      {
        feedbackItemId: 'fb-2',
        artifactId: null,
        category: 'performance',
        sentiment: 'positive',
        status: 'applied',
      },
    ],
    incidents: [{ incidentId: 'inc-1', severity: 'high', open: false }],
    slos: [{ sloId: 'slo-1', errorBudget: 0.1, budgetRemaining: 0, status: 'breached' }],
    costAnomalies: [{ costSignalId: 'cost-1', category: 'model_inference', deltaPct: 200 }],
  };
  const score = QualityScore.create(inputs);
  // Same inputs: nothing recorded. A new incident: recomputed and recorded again.
  score.recompute(inputs);
  score.recompute({
    ...inputs,
    incidents: [...inputs.incidents, { incidentId: 'inc-2', severity: 'critical', open: true }],
  });
  // No signal at all: every dimension 1, no artifact scores.
  const quiet = QualityScore.create({
    tenantId: TENANT,
    projectId: 'search',
    window: inputs.window,
  });
  return [...score.pullEvents(), ...quiet.pullEvents()];
}

function correlationEvents(): TelemetryCorrelationEvent[] {
  const link = (kind: string, targetId: string, store: string) => ({
    kind,
    targetId,
    store,
    tenantId: TENANT,
    resolvable: true,
  });
  // An incident can arrive before its trace: the first snapshot has no links yet.
  const correlation = TelemetryCorrelation.start({
    tenantId: TENANT,
    traceId: TRACE,
    projectId: 'checkout',
    at: '2024-05-01T10:00:06.000Z',
  });
  correlation.link(link('incident', 'inc-trace-1', 'incident-service'), '2024-05-01T10:00:10.000Z');
  TelemetryCorrelation.upsert(correlation, {
    tenantId: TENANT,
    traceId: TRACE,
    projectId: 'checkout',
    dimensions: DIMENSIONS,
    links: [
      link('trace', TRACE, 'trace-service'),
      link('log', 'law-payments/0a1b2c', 'log-analytics'),
      link('metric', 'ms_0123', 'metric-aggregation-service'),
      link('feedback', 'fb-1', 'feedback-service'),
    ],
    at: '2024-05-01T10:00:05.000Z',
  });
  return correlation.pullEvents();
}

interface Scenario {
  readonly aggregate: string;
  readonly run: () => readonly AnyDomainEvent[];
  /** The event types the scenario must record, in order. */
  readonly records: readonly DomainEventType[];
}

const SCENARIOS: readonly Scenario[] = [
  { aggregate: 'TraceRecord', run: traceRecordEvents, records: ['TraceRecorded', 'TraceRecorded'] },
  {
    aggregate: 'TraceRecord (span metrics)',
    run: spanMetricsEvents,
    records: ['SpanMetricsRecorded'],
  },
  {
    aggregate: 'MetricSeries',
    run: metricSeriesEvents,
    records: ['MetricAggregated', 'MetricAggregated'],
  },
  {
    aggregate: 'DashboardDefinition',
    run: dashboardEvents,
    records: ['DashboardDefined', 'DashboardUpdated'],
  },
  {
    aggregate: 'AlertRule (AlertEvaluation)',
    run: alertEvents,
    records: ['AlertTriggered', 'AlertTriggered'],
  },
  {
    aggregate: 'AlertRule (AlertEvaluation, resolved)',
    run: alertResolvedEvents,
    records: ['AlertTriggered', 'AlertResolved'],
  },
  {
    aggregate: 'Incident',
    run: incidentEvents,
    records: [
      'IncidentOpened',
      'IncidentEscalated',
      'IncidentEscalated',
      'IncidentAcknowledged',
      'IncidentResolved',
      'IncidentOpened',
      'IncidentOpened',
      'IncidentResolved',
      'IncidentOpened',
      'IncidentEscalated',
      'IncidentEscalated',
    ],
  },
  {
    aggregate: 'FeedbackItem',
    run: feedbackEvents,
    records: [
      'FeedbackItemCreated',
      'FeedbackItemRouted',
      'FeedbackItemApplied',
      'FeedbackItemCreated',
      'FeedbackItemCreated',
      'FeedbackItemCreated',
    ],
  },
  {
    aggregate: 'QualityScore',
    run: qualityScoreEvents,
    records: ['QualityScoreComputed', 'QualityScoreComputed', 'QualityScoreComputed'],
  },
  {
    aggregate: 'CostSignal',
    run: costSignalEvents,
    records: ['CostAnomalyDetected', 'CostAnomalyDetected', 'CostAnomalyDetected'],
  },
  { aggregate: 'SloDefinition', run: sloEvents, records: ['SloBreached'] },
  {
    aggregate: 'SloDefinition (burn-rate alerts)',
    run: sloBurnEvents,
    // 10:40: the 30m window still burns at 20x, so the 6h/30m rule keeps the page firing although
    // the 5m window is quiet; 11:10: both short windows are quiet and the page resolves.
    records: ['SloBurnRateAlertFired', 'SloBurnRateAlertResolved'],
  },
  {
    aggregate: 'TelemetryCorrelation',
    run: correlationEvents,
    records: ['CorrelationSnapshotted', 'CorrelationSnapshotted', 'CorrelationSnapshotted'],
  },
];

/** Wraps the event as a producer would, ships it as JSON and reads it back as a consumer would. */
function expectRoundTrip(event: AnyDomainEvent): void {
  const entry = getEvent(event.eventType, 1);
  const envelope = envelopeFromDomainEvent(event, {
    producer: entry.producer,
    aggregateVersion: 1,
  });
  const parsed = parseEnvelope(JSON.parse(JSON.stringify(envelope)));

  expect(parsed).toStrictEqual(envelope);
  expect(parsed.payload).toStrictEqual(event.payload);
  expect(parsed).toMatchObject({
    eventType: event.eventType,
    eventVersion: 1,
    occurredAt: event.occurredAt,
    tenantId: event.tenantId,
    traceId: event.traceId,
    aggregate: { type: event.aggregateType, id: event.aggregateId, version: 1 },
  });
  expect(event.aggregateType).toBe(entry.aggregateType);
}

describe('domain events against the envelope registry', () => {
  it.each(SCENARIOS.map((s) => [s.aggregate, s] as const))(
    '%s: events recorded through the public API survive envelope → JSON → parseEnvelope',
    (_name, scenario) => {
      const events = scenario.run();
      expect(events.map((e) => e.eventType)).toEqual(scenario.records);
      for (const event of events) expectRoundTrip(event);
    },
  );

  it('LogRecordReference records no events', () => {
    const reference = LogRecordReference.create({
      referenceId: 'a1b2c3d4-0000-4000-8000-000000000001',
      tenantId: TENANT,
      traceId: TRACE,
      level: 'Error',
      timestamp: '2024-05-01T10:00:00.200Z',
      logAnalyticsRef: { workspaceId: 'law-payments', queryHandle: '0a1b2c' },
      dimensions: DIMENSIONS,
    });
    expect(reference.pullEvents()).toEqual([]);
  });

  it('the scenarios produce exactly the event types the domain declares', () => {
    const produced = new Set(SCENARIOS.flatMap((s) => s.run().map((e) => e.eventType)));
    expect([...produced].sort()).toEqual([...DOMAIN_EVENT_TYPES].sort());
  });

  it('every declared domain event type is registered, and the registry holds no other', () => {
    expect(EVERY_DOMAIN_EVENT_REGISTERED).toBe(true);
    for (const eventType of DOMAIN_EVENT_TYPES) expect(isEventType(eventType)).toBe(true);
    expect([...EVENT_TYPES].sort()).toEqual([...DOMAIN_EVENT_TYPES].sort());
  });

  it('the AlertTriggered and Incident examples use the domain fingerprint `ruleId:groupKey`', () => {
    const alert = getEvent('AlertTriggered', 1).example.payload as AlertTriggered['payload'];
    expect(alert.fingerprint).toBe(alertFingerprint(alert.alertRuleId, alert.groupKey));
    for (const type of ['IncidentOpened', 'IncidentResolved'] as const) {
      const incident = getEvent(type, 1).example.payload as { source: string; sourceRef: string };
      expect(incident.source).toBe('alert');
      expect(incident.sourceRef).toBe(alert.fingerprint);
    }
    const produced = alertEvents().map((e) => e.payload);
    expect(produced.map((p) => p.fingerprint)).toEqual([
      'b2d7e1f0-8a9c-4d3e-b5f6-7a8b9c0d1e2f:service=payments-api',
      'rule-ungrouped:',
    ]);
  });
});
