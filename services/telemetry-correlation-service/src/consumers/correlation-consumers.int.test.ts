import { randomUUID } from 'node:crypto';
import { DLQ_HEADERS, dlqTopicFor, topicFor, type Envelope } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { buildEvent, busMessageOf, TopicReader } from '@obs/service-kit/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getCorrelation,
  newTraceId,
  publish,
  startCorrelationService,
  uniqueTenant,
  waitForApplied,
  type CorrelationBody,
} from '../../test/correlation-test-kit.js';

let service: RunningService;
let dlq: TopicReader;

beforeAll(async () => {
  service = await startCorrelationService({
    env: { CONSUMER_BACKOFF_MS: '20', CONSUMER_MAX_ATTEMPTS: '3' },
  });
  dlq = await TopicReader.open(service.ctx.bus, [dlqTopicFor(topicFor('TraceRecorded'))]);
  // The broker may be shared with other suites whose events this service also consumes: wait once
  // until a marker on every consumed topic is applied, so the tests below start on a drained bus.
  const markers = all(eventsAbout(uniqueTenant('corr-drain'), newTraceId()));
  await publish(service, ...markers);
  await waitForApplied(
    service,
    markers.map((m) => m.eventId),
    170_000,
  );
}, 180_000);
afterAll(async () => {
  await dlq.close();
  await service.close();
});

const DIMENSIONS = (tenantId: string) => ({
  tenantId,
  projectId: 'checkout',
  moduleId: 'payments',
  artifactId: 'payments-api',
  executionId: 'exec-42',
  agentId: 'none',
  service: 'payments-api',
  serviceVersion: '1.14.2',
  environment: 'production',
  region: 'westeurope',
  origin: 'generated-saas' as const,
});

/** Every event kind the service consumes, about one trace of one tenant, built by the kit. */
function eventsAbout(tenantId: string, traceId: string) {
  const incidentId = randomUUID();
  const at = (minute: number) => new Date(Date.UTC(2024, 4, 1, 10, minute)).toISOString();
  const dims = DIMENSIONS(tenantId);
  return {
    incidentId,
    traceV1: buildEvent('TraceRecorded', {
      tenantId,
      traceId,
      aggregateId: traceId,
      aggregateVersion: 1,
      occurredAt: at(1),
      payload: { traceId, dimensions: dims },
    }),
    traceV2: buildEvent('TraceRecorded', {
      tenantId,
      traceId,
      aggregateId: traceId,
      aggregateVersion: 2,
      occurredAt: at(2),
      payload: { traceId, spanCount: 9, dimensions: { ...dims, serviceVersion: '1.14.3' } },
    }),
    opened: buildEvent('IncidentOpened', {
      tenantId,
      traceId,
      aggregateId: incidentId,
      occurredAt: at(3),
      payload: { incidentId, dimensions: null },
    }),
    resolved: buildEvent('IncidentResolved', {
      tenantId,
      traceId,
      aggregateId: incidentId,
      occurredAt: at(9),
      payload: { incidentId },
    }),
    feedback: buildEvent('FeedbackItemCreated', {
      tenantId,
      traceId,
      aggregateId: `fb-${incidentId}`,
      occurredAt: at(4),
      payload: { feedbackItemId: `fb-${incidentId}`, projectId: null },
    }),
    cost: buildEvent('CostAnomalyDetected', {
      tenantId,
      traceId,
      occurredAt: at(5),
      payload: { costSignalId: `cost-${incidentId}` },
    }),
    // No exemplars: it names no trace, even with an envelope traceId.
    metric: buildEvent('MetricAggregated', { tenantId, traceId, occurredAt: at(6) }),
  };
}

/** The correlation those events must make, whatever their order and redeliveries. */
function expectedOf(tenantId: string, traceId: string, e: ReturnType<typeof eventsAbout>) {
  return {
    traceId,
    tenantId,
    projectId: 'checkout',
    dimensions: { ...DIMENSIONS(tenantId), serviceVersion: '1.14.3' },
    links: {
      trace: { kind: 'trace', targetId: traceId, store: 'trace-service' },
      logReferences: {
        store: 'log-query-service',
        path: `/v1/log-references?traceId=${traceId}`,
      },
      metricSeries: [],
      incidents: [{ kind: 'incident', targetId: e.incidentId, store: 'incident-service' }],
      feedback: [{ kind: 'feedback', targetId: `fb-${e.incidentId}`, store: 'feedback-service' }],
      costSignals: [
        { kind: 'cost', targetId: `cost-${e.incidentId}`, store: 'cost-telemetry-service' },
      ],
      costs: { store: 'cost-telemetry-service', path: `/v1/costs/by-trace/${traceId}` },
    },
    updatedAt: e.resolved.occurredAt,
  };
}

const all = (e: ReturnType<typeof eventsAbout>): Envelope[] => [
  e.traceV1,
  e.traceV2,
  e.opened,
  e.resolved,
  e.feedback,
  e.cost,
  e.metric,
];

async function correlationOf(tenantId: string, traceId: string): Promise<CorrelationBody> {
  const res = await getCorrelation(service, tenantId, traceId);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<CorrelationBody>();
}

describe('consuming the six event types over Kafka', () => {
  it('links the trace, incident, feedback and cost signal; a window without exemplars links nothing', async () => {
    const tenant = uniqueTenant('corr');
    const traceId = newTraceId();
    const e = eventsAbout(tenant, traceId);
    await publish(service, ...all(e));
    await waitForApplied(
      service,
      all(e).map((x) => x.eventId),
    );
    const { version, ...body } = await correlationOf(tenant, traceId);
    expect(body).toEqual(expectedOf(tenant, traceId, e));
    expect(version).toBe(all(e).length - 1); // the exemplar-less window saved nothing

    // Only the metric window names this trace: no correlation is made for it.
    const lonely = newTraceId();
    const metric = buildEvent('MetricAggregated', { tenantId: tenant, traceId: lonely });
    await publish(service, metric);
    await waitForApplied(service, [metric.eventId]);
    expect((await getCorrelation(service, tenant, lonely)).statusCode).toBe(404);
  });

  it('applies a redelivered envelope once (inbox) and a re-emitted one as a no-op link', async () => {
    const tenant = uniqueTenant('corr-redeliver');
    const traceId = newTraceId();
    const e = eventsAbout(tenant, traceId);
    await publish(service, e.opened, e.opened, e.opened);
    await waitForApplied(service, [e.opened.eventId]);
    const once = await correlationOf(tenant, traceId);
    expect(once.version).toBe(1);
    expect(once.links.incidents).toHaveLength(1);
    // The incident is unknown to the trace side until TraceRecorded: no project-less guesswork.
    expect(once).toMatchObject({ projectId: 'checkout', dimensions: null, links: { trace: null } });

    await publish(service, e.resolved);
    await waitForApplied(service, [e.resolved.eventId]);
    const again = await correlationOf(tenant, traceId);
    expect(again.links).toEqual(once.links);
    expect(again.updatedAt).toBe(e.resolved.occurredAt);
  });

  it("keeps each tenant's correlation of the same traceId to itself", async () => {
    const a = uniqueTenant('corr-a');
    const b = uniqueTenant('corr-b');
    const traceId = newTraceId();
    const ea = eventsAbout(a, traceId);
    const eb = eventsAbout(b, traceId);
    await publish(service, ea.opened, eb.cost);
    await waitForApplied(service, [ea.opened.eventId, eb.cost.eventId]);
    const inA = await correlationOf(a, traceId);
    const inB = await correlationOf(b, traceId);
    expect(inA.links.incidents.map((l) => l.targetId)).toEqual([ea.incidentId]);
    expect(inA.links.costSignals).toEqual([]);
    expect(inB.links.costSignals.map((l) => l.targetId)).toEqual([`cost-${eb.incidentId}`]);
    expect(inB.links.incidents).toEqual([]);
  });

  it('dead-letters a TraceRecorded whose dimensions name another tenant, and stores nothing', async () => {
    const tenant = uniqueTenant('corr-forged');
    const traceId = newTraceId();
    const valid = buildEvent('TraceRecorded', {
      tenantId: tenant,
      traceId,
      aggregateId: traceId,
      payload: { traceId, dimensions: DIMENSIONS(tenant) },
    });
    // Forged on the wire (the kit's builder refuses to build it): the dimensions name another tenant.
    const message = busMessageOf(valid);
    const forged = JSON.parse(message.value) as { payload: { dimensions: { tenantId: string } } };
    forged.payload.dimensions.tenantId = 'someone-else';
    await service.ctx.bus.publish([{ ...message, value: JSON.stringify(forged) }]);
    await expect
      .poll(
        () =>
          dlq.records.some(
            (r) =>
              r.message.key === message.key &&
              r.message.headers[DLQ_HEADERS.consumer] ===
                'telemetry-correlation-service.trace-recorded',
          ),
        {
          timeout: 30_000,
          interval: 100,
        },
      )
      .toBe(true);
    expect((await getCorrelation(service, tenant, traceId)).statusCode).toBe(404);
  });
});

describe('order and redelivery independence (property, over Kafka)', () => {
  it('makes the same correlation from any shuffle of the events with duplicates', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(6), { maxLength: 6 }),
        fc.array(fc.nat(6), { maxLength: 4 }),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        async (redelivered, reEmitted, randoms) => {
          const tenant = uniqueTenant('corr-prop');
          const traceId = newTraceId();
          const e = eventsAbout(tenant, traceId);
          const events = all(e);
          // Redeliveries repeat an envelope; re-emissions are the same fact under a new eventId.
          const arrivals = [
            ...events,
            ...redelivered.map((i) => events[i]!),
            ...reEmitted.map((i) => ({ ...events[i]!, eventId: randomUUID() })),
          ];
          const shuffled = arrivals
            .map((event) => ({ event, sort: randoms.next().value as number }))
            .sort((x, y) => x.sort - y.sort)
            .map((x) => x.event);
          for (const event of shuffled) await publish(service, event);
          await waitForApplied(
            service,
            shuffled.map((x) => x.eventId),
          );
          const { version: _version, ...body } = await correlationOf(tenant, traceId);
          expect(body).toEqual(expectedOf(tenant, traceId, e));
        },
      ),
      { numRuns: 4 },
    );
  });
});
