import { randomUUID } from 'node:crypto';
import { createFeedbackService } from '@obs/feedback-service';
import { createIncidentService } from '@obs/incident-service';
import type { Envelope } from '@obs/event-envelope';
import { startConsumerSpan, type RunningService } from '@obs/service-kit';
import { bearer, buildEvent, startTestService } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deadUrl, startStub, type Stub } from '../../test/contract-stubs.js';
import {
  getCorrelation,
  newTraceId,
  reader,
  startCorrelationService,
  uniqueTenant,
  type CorrelationBody,
} from '../../test/correlation-test-kit.js';
import { createTelemetryCorrelationService } from '../app.js';
import { LINKED_SERVICES, correlationConfigFrom, type LinkedService } from '../config.js';

/*
 * ?expand=true against real services: incident-service and feedback-service as they are on main,
 * tiny real Fastify servers answering the contract shapes for the services not on main yet, and a
 * port with nothing listening for a service that is down.
 */

let incidents: RunningService;
let incidentsUrl: string;
let feedbacks: RunningService;
let feedbackUrl: string;
let stubs: Record<Exclude<LinkedService, 'incident-service' | 'feedback-service'>, Stub>;
let service: RunningService;
/** Same database, same correlations; every linked service down. */
let dark: RunningService;
/** Same database; only trace-service down. */
let partial: RunningService;

const tenant = uniqueTenant('corr-expand');
const other = uniqueTenant('corr-expand-other');
const traceId = newTraceId();
let incidentId: string;
let othersIncidentId: string;
let feedbackId: string;
const costSignalId = `cs-${randomUUID()}`;
const brokenCostSignalId = `cs-broken-${randomUUID()}`;
const forbiddenCostSignalId = `cs-forbidden-${randomUUID()}`;
let foreignFeedbackId: string;

const METRIC = buildEvent('MetricAggregated', { tenantId: tenant });
const W = METRIC.payload;

async function openIncident(tenantId: string, trace: string | null): Promise<string> {
  const res = await incidents.app.inject({
    method: 'POST',
    url: '/v1/incidents',
    headers: bearer(tenantId, ['read', 'write']),
    payload: { title: 'Checkout failing', severity: 'high', projectId: 'checkout', traceId: trace },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

async function captureFeedback(tenantId: string, trace: string | null): Promise<string> {
  const res = await feedbacks.app.inject({
    method: 'POST',
    url: '/v1/feedback',
    headers: bearer(tenantId, ['read', 'write']),
    payload: {
      projectId: 'checkout',
      category: 'performance',
      sentiment: 'negative',
      summary: 'Checkout is slow',
      traceId: trace,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

/** Applies an event through the service's own consumer, in a unit of work, without the bus. */
async function consumeDirectly(envelope: Envelope): Promise<void> {
  const { consumers = [] } = await createTelemetryCorrelationService(
    correlationConfigFrom({}),
  ).compose(service.ctx);
  const consumer = consumers.find((c) => c.eventTypes.includes(envelope.eventType))!;
  const { span, context } = startConsumerSpan('test', {});
  try {
    await service.ctx.uow.run({ context }, (tx) => consumer.handle(envelope, tx));
  } finally {
    span.end();
  }
}

beforeAll(async () => {
  incidents = await startTestService(
    createIncidentService({
      escalationPolicy: [],
      escalationIntervalMs: 0,
      sloSeverity: 'critical',
      replayHorizonMs: 3_600_000,
    }),
    { runConsumers: false, runJobs: false, env: { RATE_LIMIT_MAX: '100000' } },
  );
  incidentsUrl = await incidents.app.listen({ port: 0, host: '127.0.0.1' });
  feedbacks = await startTestService(
    createFeedbackService({
      storageConnectionString: inject('infra').azureStorageConnectionString,
      blobContainer: 'correlation-test',
      attachmentMaxBytes: 1024 * 1024,
      attachmentContentTypes: ['text/plain'],
      exportIntervalMs: 0,
      idempotencyTtlHours: 24,
    }),
    { runConsumers: false, runJobs: false, env: { RATE_LIMIT_MAX: '100000' } },
  );
  feedbackUrl = await feedbacks.app.listen({ port: 0, host: '127.0.0.1' });
  stubs = {
    'trace-service': await startStub(),
    'log-query-service': await startStub(),
    'metric-aggregation-service': await startStub(),
    'cost-telemetry-service': await startStub(),
  };
  const upstreams = {
    ...Object.fromEntries(Object.entries(stubs).map(([name, stub]) => [name, stub.url])),
    'incident-service': incidentsUrl,
    'feedback-service': feedbackUrl,
  } as Record<LinkedService, string>;
  // Consumers off: the links are applied through the service's own consumers below, without the
  // bus (consumption over Kafka has its own tests), so the shared broker's backlog cannot delay it.
  service = await startCorrelationService({ runConsumers: false, config: { upstreams } });
  const down = await deadUrl();
  dark = await startCorrelationService({
    runConsumers: false,
    config: {
      upstreams: Object.fromEntries(LINKED_SERVICES.map((n) => [n, down])) as typeof upstreams,
    },
  });
  partial = await startCorrelationService({
    runConsumers: false,
    config: { upstreams: { ...upstreams, 'trace-service': down } },
  });

  // The linked records, each in its owning service.
  incidentId = await openIncident(tenant, traceId);
  othersIncidentId = await openIncident(other, null);
  feedbackId = await captureFeedback(tenant, traceId);
  foreignFeedbackId = await captureFeedback(other, null);
  stubs['trace-service'].put(tenant, `/v1/traces/${traceId}`, {
    traceId,
    status: 'ok',
    rootSpan: { spanId: 'a1b2c3d4e5f60718', name: 'POST /v1/payments' },
    spans: [{ spanId: 'a1b2c3d4e5f60718', name: 'POST /v1/payments' }],
    durationMs: 412.5,
  });
  stubs['log-query-service'].put(tenant, '/v1/log-references', {
    items: [{ id: 'lr-1', traceId, executionId: 'exec-42' }],
    nextCursor: null,
  });
  stubs['metric-aggregation-service'].put(tenant, '/v1/metric-series', {
    metricName: W.metricName,
    window: W.window,
    aggregation: 'avg',
    groupBy: ['service'],
    series: [
      { groupKey: 'service=checkout-web', group: { service: 'checkout-web' }, points: [] },
      {
        groupKey: W.groupKey,
        group: W.group,
        points: [{ windowStart: W.windowStart, windowEnd: W.windowEnd, value: 125, count: 1200 }],
      },
    ],
  });
  stubs['cost-telemetry-service'].put(tenant, `/v1/cost-signals/${costSignalId}`, {
    id: costSignalId,
  });
  stubs['cost-telemetry-service'].put(tenant, `/v1/cost-signals/${brokenCostSignalId}`, 'boom');
  stubs['cost-telemetry-service'].put(
    tenant,
    `/v1/cost-signals/${forbiddenCostSignalId}`,
    'forbidden',
  );
  stubs['cost-telemetry-service'].put(tenant, `/v1/costs/by-trace/${traceId}`, {
    traceId,
    total: { amount: 0.42, currency: 'USD' },
  });

  // The events that link them, built by the kit (incident-service's IncidentOpened for the real
  // incident as its relay would publish it), applied through the service's consumers. The metric
  // window carries exemplars, a field the MetricAggregated schema on main does not have yet.
  const events: Envelope[] = [
    buildEvent('TraceRecorded', {
      tenantId: tenant,
      traceId,
      aggregateId: traceId,
      payload: { traceId, dimensions: { ...buildDims(), tenantId: tenant } },
    }),
    buildEvent('IncidentOpened', {
      tenantId: tenant,
      traceId,
      aggregateId: incidentId,
      payload: { incidentId, source: 'manual', sourceRef: null, dimensions: null },
    }),
    buildEvent('FeedbackItemCreated', {
      tenantId: tenant,
      traceId,
      payload: { feedbackItemId: feedbackId },
    }),
    buildEvent('FeedbackItemCreated', {
      tenantId: tenant,
      traceId,
      payload: { feedbackItemId: foreignFeedbackId },
    }),
    buildEvent('CostAnomalyDetected', { tenantId: tenant, traceId, payload: { costSignalId } }),
    buildEvent('CostAnomalyDetected', {
      tenantId: tenant,
      traceId,
      payload: { costSignalId: brokenCostSignalId },
    }),
    buildEvent('CostAnomalyDetected', {
      tenantId: tenant,
      traceId,
      payload: { costSignalId: forbiddenCostSignalId },
    }),
    // Names the other tenant's incident: a forged or mistaken link must not leak it.
    buildEvent('IncidentOpened', {
      tenantId: tenant,
      traceId,
      aggregateId: othersIncidentId,
      payload: { incidentId: othersIncidentId, dimensions: null },
    }),
    { ...METRIC, payload: { ...W, exemplars: [{ traceId, value: 812 }] } as typeof W },
  ];
  for (const event of events) await consumeDirectly(event);
});

afterAll(async () => {
  await Promise.all([dark?.close(), partial?.close()]);
  await service?.close();
  await incidents?.close();
  await feedbacks?.close();
  await Promise.all(Object.values(stubs ?? {}).map((s) => s.close()));
});

function buildDims() {
  // The registered example's dimensions (tenant acme), re-tenanted by the caller.
  return buildEvent('TraceRecorded', { tenantId: 'acme' }).payload.dimensions;
}

async function expanded(on: RunningService, headers = reader(tenant)): Promise<CorrelationBody> {
  const res = await getCorrelation(on, tenant, traceId, { expand: true, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<CorrelationBody>();
}

describe('GET /v1/correlations/{traceId}?expand=true', () => {
  it('fetches every linked record from its owning service with the caller’s token', async () => {
    for (const stub of Object.values(stubs)) {
      stub.seen.length = 0;
      stub.urls.length = 0;
    }
    const headers = reader(tenant);
    const { links } = await expanded(service, headers);
    expect(links.trace?.record).toMatchObject({ traceId, status: 'ok', durationMs: 412.5 });
    expect(links.logReferences.record).toEqual({
      items: [{ id: 'lr-1', traceId, executionId: 'exec-42' }],
      nextCursor: null,
    });
    const mine = links.incidents.find((l) => l.targetId === incidentId);
    expect(mine?.record).toMatchObject({ id: incidentId, tenantId: tenant, traceId });
    expect(links.feedback.find((l) => l.targetId === feedbackId)?.record).toMatchObject({
      id: feedbackId,
      tenantId: tenant,
      summary: 'Checkout is slow',
    });
    expect(links.costSignals.find((l) => l.targetId === costSignalId)?.record).toEqual({
      id: costSignalId,
    });
    expect(links.costs.record).toMatchObject({ traceId });
    // The window of the linked group only, asked for exactly that window.
    const [metric] = links.metricSeries;
    expect(metric).toMatchObject({
      targetId: `${W.seriesId}@${W.windowStart}`,
      series: { metricName: W.metricName, window: '5m', group: W.group },
      record: { aggregation: 'avg', series: [{ groupKey: W.groupKey }] },
    });
    const [metricCall] = stubs['metric-aggregation-service'].urls;
    expect(Object.fromEntries(new URL(metricCall!, 'http://stub').searchParams)).toEqual({
      metricName: W.metricName,
      window: W.window,
      aggregation: 'avg',
      groupBy: 'service',
      from: W.windowStart,
      to: W.windowEnd,
      projectId: W.projectId,
    });
    expect(stubs['log-query-service'].urls).toEqual([
      `/v1/log-references?traceId=${traceId}&limit=500`,
    ]);

    for (const stub of Object.values(stubs)) {
      expect(stub.seen.length).toBeGreaterThan(0);
      expect(new Set(stub.seen)).toEqual(new Set([headers.authorization]));
    }
  });

  it('names what it could not fetch: another tenant’s records are not found, a 5xx is unavailable, a 403 refused', async () => {
    const { missing, links } = await expanded(service);
    expect(missing).toEqual(
      expect.arrayContaining([
        {
          service: 'incident-service',
          link: { kind: 'incident', targetId: othersIncidentId },
          reason: 'not_found',
          detail: 'incident-service has no such record for the caller',
        },
        {
          service: 'feedback-service',
          link: { kind: 'feedback', targetId: foreignFeedbackId },
          reason: 'not_found',
          detail: 'feedback-service has no such record for the caller',
        },
        {
          service: 'cost-telemetry-service',
          link: { kind: 'cost', targetId: brokenCostSignalId },
          reason: 'unavailable',
          detail: 'cost-telemetry-service answered 500',
        },
        {
          service: 'cost-telemetry-service',
          link: { kind: 'cost', targetId: forbiddenCostSignalId },
          reason: 'refused',
          detail: 'cost-telemetry-service answered 403: the token lacks the read scope',
        },
      ]),
    );
    expect(missing).toHaveLength(4);
    expect(links.incidents.find((l) => l.targetId === othersIncidentId)?.record).toBeUndefined();
    expect(links.feedback.find((l) => l.targetId === foreignFeedbackId)?.record).toBeUndefined();
  });

  it('answers partially, never a 5xx, when a linked service is down', async () => {
    const { missing, links } = await expanded(partial);
    expect(missing?.filter((m) => m.service === 'trace-service')).toEqual([
      {
        service: 'trace-service',
        link: { kind: 'trace', targetId: traceId },
        reason: 'unavailable',
        detail: 'trace-service: ECONNREFUSED',
      },
    ]);
    expect(links.trace).toEqual({ kind: 'trace', targetId: traceId, store: 'trace-service' });
    expect(links.incidents.find((l) => l.targetId === incidentId)?.record).toMatchObject({
      id: incidentId,
    });
  });

  it('answers 200 with every link missing when every linked service is down', async () => {
    const body = await expanded(dark);
    const linkCount =
      1 +
      1 +
      1 +
      1 +
      body.links.incidents.length +
      body.links.feedback.length +
      body.links.costSignals.length;
    expect(body.missing).toHaveLength(linkCount);
    expect(new Set(body.missing!.map((m) => m.reason))).toEqual(new Set(['unavailable']));
    expect(new Set(body.missing!.map((m) => m.service))).toEqual(new Set(LINKED_SERVICES));
  });

  it('leaves the plain answer without records or missing', async () => {
    const res = await getCorrelation(service, tenant, traceId);
    const body = res.json<CorrelationBody>();
    expect(body.missing).toBeUndefined();
    expect(body.links.trace).toEqual({ kind: 'trace', targetId: traceId, store: 'trace-service' });
    expect(body.links.incidents.every((l) => l.record === undefined)).toBe(true);
    expect(res.headers.etag).toBe(`"${body.version}"`);
  });
});
