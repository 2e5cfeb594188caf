import type { Envelope } from '@obs/event-envelope';
import { buildEvent } from '@obs/service-kit/testing';
import { describe, expect, it } from 'vitest';
import {
  exemplarTraceIds,
  factsOfCostAnomaly,
  factsOfFeedback,
  factsOfIncident,
  factsOfMetricAggregated,
  factsOfTraceRecorded,
} from './correlation-facts.js';

const TENANT = 'acme';
const T1 = '4bf92f3577b34da6a3ce929d0e0e4736';
const T2 = '0af7651916cd43dd8448eb211c80319c';

/** MetricAggregated with exemplars, as the metric helper's optional field will carry them. */
function withExemplars(exemplars: unknown): Envelope<'MetricAggregated'> {
  const event = buildEvent('MetricAggregated', { tenantId: TENANT });
  return { ...event, payload: { ...event.payload, exemplars } as typeof event.payload };
}

describe('factsOfTraceRecorded', () => {
  it('links the trace, with its dimensions at the trace record version', () => {
    const event = buildEvent('TraceRecorded', {
      tenantId: TENANT,
      payload: { traceId: T1 },
      aggregateVersion: 3,
    });
    expect(factsOfTraceRecorded(event)).toEqual([
      {
        tenantId: TENANT,
        traceId: T1,
        projectId: 'checkout',
        dimensions: event.payload.dimensions,
        dimensionsVersion: 3,
        links: [
          {
            kind: 'trace',
            targetId: T1,
            store: 'trace-service',
            tenantId: TENANT,
            resolvable: true,
          },
        ],
        at: event.occurredAt,
      },
    ]);
  });
});

describe('factsOfIncident', () => {
  it('uses the envelope traceId and, for an incident opened from a trace, its sourceRef', () => {
    const event = buildEvent('IncidentOpened', {
      tenantId: TENANT,
      traceId: T1,
      payload: { source: 'trace', sourceRef: T2 },
    });
    const facts = factsOfIncident(event);
    expect(facts.map((f) => f.traceId)).toEqual([T2, T1].sort());
    expect(facts[0]!.links).toEqual([
      {
        kind: 'incident',
        targetId: event.payload.incidentId,
        store: 'incident-service',
        tenantId: TENANT,
        resolvable: true,
      },
    ]);
  });

  it('names no trace without an envelope traceId, and ignores an alert fingerprint', () => {
    const resolved = buildEvent('IncidentResolved', { tenantId: TENANT, traceId: null });
    expect(factsOfIncident(resolved)).toEqual([]);
    const same = buildEvent('IncidentOpened', {
      tenantId: TENANT,
      traceId: T1,
      payload: { source: 'trace', sourceRef: T1 },
    });
    expect(factsOfIncident(same).map((f) => f.traceId)).toEqual([T1]);
  });
});

describe('factsOfFeedback and factsOfCostAnomaly', () => {
  it('link the record to the envelope trace, keeping a null project', () => {
    const feedback = buildEvent('FeedbackItemCreated', {
      tenantId: TENANT,
      traceId: T1,
      payload: { projectId: null },
    });
    expect(factsOfFeedback(feedback)).toMatchObject([
      { traceId: T1, projectId: null, links: [{ kind: 'feedback', store: 'feedback-service' }] },
    ]);
    const cost = buildEvent('CostAnomalyDetected', { tenantId: TENANT, traceId: T2 });
    expect(factsOfCostAnomaly(cost)).toMatchObject([
      {
        traceId: T2,
        projectId: 'checkout',
        links: [
          { kind: 'cost', targetId: cost.payload.costSignalId, store: 'cost-telemetry-service' },
        ],
      },
    ]);
    expect(factsOfFeedback(buildEvent('FeedbackItemCreated', { tenantId: TENANT }))).toEqual([]);
    expect(factsOfCostAnomaly(buildEvent('CostAnomalyDetected', { tenantId: TENANT }))).toEqual([]);
  });
});

describe('factsOfMetricAggregated', () => {
  it('names no trace for a window without exemplars, whatever its envelope traceId', () => {
    // The registered example carries exemplars: this window has none.
    const event = buildEvent('MetricAggregated', {
      tenantId: TENANT,
      traceId: T1,
      payload: { exemplars: undefined },
    });
    expect(factsOfMetricAggregated(event)).toEqual([]);
  });

  it('links the window to each distinct exemplar trace, with its locator', () => {
    const event = withExemplars([
      { traceId: T1, value: 812 },
      { traceId: T2.toUpperCase() },
      { traceId: T1, value: 640 },
    ]);
    const facts = factsOfMetricAggregated(event);
    expect(facts.map((f) => f.traceId)).toEqual([T2, T1]);
    const { payload } = event;
    expect(facts[0]!.links).toEqual([
      {
        kind: 'metric',
        targetId: `${payload.seriesId}@${payload.windowStart}`,
        store: 'metric-aggregation-service',
        locator: {
          seriesId: payload.seriesId,
          metricName: 'http.server.duration',
          window: '5m',
          windowStart: payload.windowStart,
          windowEnd: payload.windowEnd,
          groupKey: 'service=payments-api',
          projectId: 'checkout',
          'group.service': 'payments-api',
        },
        tenantId: TENANT,
        resolvable: true,
      },
    ]);
  });

  it('reads exemplars defensively: anything malformed carries no trace', () => {
    expect(exemplarTraceIds(undefined)).toEqual([]);
    expect(exemplarTraceIds(null)).toEqual([]);
    expect(exemplarTraceIds({ exemplars: 'x' })).toEqual([]);
    expect(exemplarTraceIds({ exemplars: { traceId: T1 } })).toEqual([]);
    expect(
      exemplarTraceIds({
        exemplars: [
          null,
          7,
          {},
          { traceId: 42 },
          { traceId: 'nothex' },
          { traceId: '0'.repeat(32) },
        ],
      }),
    ).toEqual([]);
    expect(exemplarTraceIds({ exemplars: [{ traceId: T1 }, 'junk'] })).toEqual([T1]);
  });
});
