import { isTraceId, type StartCorrelationInput } from '@obs/domain';
import type { Envelope } from '@obs/event-envelope';

/**
 * What one consumed event says about traces: one upsert input per trace it names. Pure functions
 * of the envelope, so the consumers stay thin and these rules are unit-tested on their own.
 *
 * Where a traceId comes from, per event:
 * - TraceRecorded: the payload's traceId (it also carries the trace's dimensions and project);
 * - IncidentOpened / IncidentResolved: the envelope's traceId, and the sourceRef of an incident
 *   opened from a trace (source `trace`);
 * - FeedbackItemCreated, CostAnomalyDetected: the envelope's traceId;
 * - MetricAggregated: only its exemplars' traceIds. Its envelope traceId is the trace of the
 *   window-closing job, not of a measurement.
 * Every link names the record's owning service as its store. The event itself proves the record
 * exists in the event's tenant, so links are `resolvable` in `tenantId` (the envelope's tenant).
 */
export type CorrelationFact = StartCorrelationInput;

/** The owning service of each kind of linked record, which is also the link's `store`. */
export const STORES = {
  trace: 'trace-service',
  log: 'log-query-service',
  metric: 'metric-aggregation-service',
  incident: 'incident-service',
  feedback: 'feedback-service',
  cost: 'cost-telemetry-service',
} as const;

function link(
  envelope: Envelope,
  kind: keyof typeof STORES,
  targetId: string,
  locator?: Record<string, string>,
) {
  return {
    kind,
    targetId,
    store: STORES[kind],
    ...(locator === undefined ? {} : { locator }),
    tenantId: envelope.tenantId,
    resolvable: true,
  };
}

/** Distinct valid trace ids, in a stable order (rows are then locked in the same order). */
function traceIds(candidates: readonly (string | null | undefined)[]): string[] {
  const valid = candidates.filter((c): c is string => typeof c === 'string' && isTraceId(c));
  return [...new Set(valid)].sort();
}

export function factsOfTraceRecorded(envelope: Envelope<'TraceRecorded'>): CorrelationFact[] {
  const { payload } = envelope;
  return [
    {
      tenantId: envelope.tenantId,
      traceId: payload.traceId,
      projectId: payload.projectId,
      dimensions: payload.dimensions,
      // A late span re-emits TraceRecorded at a higher version: that one's dimensions win.
      dimensionsVersion: envelope.aggregate.version,
      links: [link(envelope, 'trace', payload.traceId)],
      at: envelope.occurredAt,
    },
  ];
}

export function factsOfIncident(
  envelope: Envelope<'IncidentOpened'> | Envelope<'IncidentResolved'>,
): CorrelationFact[] {
  const { payload } = envelope;
  const fromTrace = payload.source === 'trace' ? payload.sourceRef : null;
  return traceIds([envelope.traceId, fromTrace]).map((traceId) => ({
    tenantId: envelope.tenantId,
    traceId,
    projectId: payload.projectId,
    links: [link(envelope, 'incident', payload.incidentId)],
    at: envelope.occurredAt,
  }));
}

export function factsOfFeedback(envelope: Envelope<'FeedbackItemCreated'>): CorrelationFact[] {
  const { payload } = envelope;
  return traceIds([envelope.traceId]).map((traceId) => ({
    tenantId: envelope.tenantId,
    traceId,
    projectId: payload.projectId,
    links: [link(envelope, 'feedback', payload.feedbackItemId)],
    at: envelope.occurredAt,
  }));
}

export function factsOfCostAnomaly(envelope: Envelope<'CostAnomalyDetected'>): CorrelationFact[] {
  const { payload } = envelope;
  return traceIds([envelope.traceId]).map((traceId) => ({
    tenantId: envelope.tenantId,
    traceId,
    projectId: payload.projectId,
    links: [link(envelope, 'cost', payload.costSignalId)],
    at: envelope.occurredAt,
  }));
}

/**
 * The exemplars' trace ids, read defensively: `exemplars?: {traceId, value?}[]` is an optional
 * field of the MetricAggregated payload; anything else in its place (absent, not an array, items
 * without a string traceId, an id that is not a W3C trace id) carries no trace.
 */
export function exemplarTraceIds(payload: unknown): string[] {
  const exemplars = (payload as { exemplars?: unknown } | null)?.exemplars;
  if (!Array.isArray(exemplars)) return [];
  return traceIds(
    exemplars.map((exemplar: unknown) => {
      const id = (exemplar as { traceId?: unknown } | null)?.traceId;
      return typeof id === 'string' ? id.toLowerCase() : undefined;
    }),
  );
}

/**
 * A metric link names one window of one series: the window the exemplar was measured in. The
 * locator holds what metric-aggregation-service's `GET /v1/metric-series` needs to find it again
 * (group values as `group.<key>`), all of it fixed by (seriesId, windowStart), so a re-emitted
 * window links the same record.
 */
export function factsOfMetricAggregated(envelope: Envelope<'MetricAggregated'>): CorrelationFact[] {
  const { payload } = envelope;
  const locator: Record<string, string> = {
    seriesId: payload.seriesId,
    metricName: payload.metricName,
    window: payload.window,
    windowStart: payload.windowStart,
    windowEnd: payload.windowEnd,
    groupKey: payload.groupKey,
    projectId: payload.projectId,
  };
  for (const [key, value] of Object.entries(payload.group)) locator[`group.${key}`] = value;
  const targetId = `${payload.seriesId}@${payload.windowStart}`;
  return exemplarTraceIds(payload).map((traceId) => ({
    tenantId: envelope.tenantId,
    traceId,
    projectId: payload.projectId,
    links: [link(envelope, 'metric', targetId, locator)],
    at: envelope.occurredAt,
  }));
}
