import { randomUUID } from 'node:crypto';
import { topicFor, type Envelope } from '@obs/event-envelope';
import { startConsumerSpan, type RunningService } from '@obs/service-kit';
import { buildEvent, busMessageOf, TestClock, TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedbackIntake, feedbackIdForEvent } from '../feedback-intake.js';
import { feedbackItemStore } from '../feedback-item.repository.js';
import {
  TRACE_ID,
  costAnomalyDetected,
  incidentResolved,
  listOf,
  postFeedback,
  sloBreached,
  startFeedbackService,
  uniqueTenant,
  type FeedbackBody,
} from '../../test/feedback-test-kit.js';

const clock = new TestClock();
let service: RunningService;
let probe: TopicReader;
/** Publishes as another service's relay would: busMessageOf keys and labels like production. */
const publish = (envelope: Envelope): Promise<void> =>
  service.ctx.bus.publish([busMessageOf(envelope)]);

beforeAll(async () => {
  service = await startFeedbackService({ clock });
  probe = await TopicReader.open(service.ctx.bus, [topicFor('FeedbackItemCreated')]);
});
afterAll(async () => {
  await probe.close();
  await service.close();
});

async function waitForItems(tenantId: string, count = 1): Promise<FeedbackBody[]> {
  await expect
    .poll(async () => (await listOf(service, tenantId)).length, { timeout: 30_000, interval: 100 })
    .toBeGreaterThanOrEqual(count);
  return listOf(service, tenantId);
}

/**
 * A marker event published after `events` on the same topic and partition key: once its item
 * exists, the consumer has handled everything before it.
 */
async function settle(tenantId: string, marker: Envelope): Promise<void> {
  await publish(marker);
  await expect
    .poll(
      async () =>
        (await listOf(service, tenantId)).some((i) => i.id === feedbackIdForEvent(marker.eventId)),
      { timeout: 30_000, interval: 100 },
    )
    .toBe(true);
}

describe('IncidentResolved → reliability feedback', () => {
  it('creates one item with source incident, the incident id, the trace and the root cause', async () => {
    const tenant = uniqueTenant('fb-inc');
    const event = incidentResolved({
      tenantId: tenant,
      rootCause: 'Expired TLS certificate on the payment gateway',
      resolvedAt: clock.iso(),
    });
    await publish(event);
    const [item] = await waitForItems(tenant);
    expect(item).toMatchObject({
      id: feedbackIdForEvent(event.eventId),
      tenantId: tenant,
      projectId: 'checkout',
      source: 'incident',
      sourceId: event.payload.incidentId,
      category: 'reliability',
      sentiment: 'negative',
      summary: `Incident resolved (high): ${event.payload.title}`,
      traceId: TRACE_ID,
      status: 'captured',
      createdAt: event.payload.resolvedAt,
    });
    expect(item!.detail).toContain('Root cause: Expired TLS certificate on the payment gateway');
  });

  it('creates nothing new for a redelivered event, nor for the other incident events', async () => {
    const tenant = uniqueTenant('fb-inc-dup');
    const event = incidentResolved({ tenantId: tenant, resolvedAt: clock.iso() });
    await publish(event);
    await publish(event);
    await publish(
      buildEvent('IncidentOpened', {
        tenantId: tenant,
        aggregateId: event.payload.incidentId,
        payload: { incidentId: event.payload.incidentId, dimensions: null },
      }),
    );
    const marker = incidentResolved({ tenantId: tenant, resolvedAt: clock.iso() });
    await settle(tenant, { ...marker, aggregate: { ...marker.aggregate, id: event.aggregate.id } });
    const items = await listOf(service, tenant);
    expect(items.map((i) => i.sourceId).sort()).toEqual(
      [event.payload.incidentId, marker.payload.incidentId].sort(),
    );
    expect(await probe.waitFor(tenant, 'FeedbackItemCreated', 2)).toHaveLength(2);
  });
});

describe('the same event through another path (a DLQ re-drive, a renamed group)', () => {
  it('finds the item the event already made and creates nothing', async () => {
    const tenant = uniqueTenant('fb-redrive');
    const intake = new FeedbackIntake(feedbackItemStore(service.ctx.dataSource, service.ctx.uow));
    const event = incidentResolved({ tenantId: tenant, resolvedAt: clock.iso() });
    const capture = () => {
      // As the consumer runner does: a consumer span continuing the event's (absent) trace.
      const { span, context } = startConsumerSpan('redrive', {});
      return service.ctx.uow
        .run({ context, causationId: event.eventId }, (tx) => intake.incidentResolved(event, tx))
        .finally(() => span.end());
    };
    expect(await capture()).toBe(true);
    expect(await capture()).toBe(false);
    expect((await listOf(service, tenant)).map((i) => i.id)).toEqual([
      feedbackIdForEvent(event.eventId),
    ]);
  });
});

describe('SloBreached → feedback', () => {
  it('creates a runtime-signal item naming the SLO, with the trace', async () => {
    const tenant = uniqueTenant('fb-slo');
    const event = sloBreached({ tenantId: tenant, breachedAt: clock.iso() });
    await publish(event);
    await publish(event);
    const [item] = await waitForItems(tenant);
    expect(item).toMatchObject({
      id: feedbackIdForEvent(event.eventId),
      source: 'runtime-signal',
      sourceId: event.payload.sloId,
      category: 'reliability',
      traceId: TRACE_ID,
      createdAt: event.payload.breachedAt,
    });
    expect(item!.summary).toContain('SLO breached: Payments availability');
    await settle(tenant, sloBreached({ tenantId: tenant, breachedAt: clock.iso() }));
    expect(await listOf(service, tenant)).toHaveLength(2);
  });
});

describe('CostAnomalyDetected → cost feedback', () => {
  it('creates a cost item naming the cost signal, with the trace', async () => {
    const tenant = uniqueTenant('fb-cost');
    const event = costAnomalyDetected({ tenantId: tenant, detectedAt: clock.iso() });
    await publish(event);
    await publish(event);
    const [item] = await waitForItems(tenant);
    expect(item).toMatchObject({
      source: 'runtime-signal',
      sourceId: event.payload.costSignalId,
      category: 'cost',
      sentiment: 'negative',
      traceId: TRACE_ID,
      createdAt: event.payload.detectedAt,
    });
    expect(item!.summary).toBe(
      'Cost anomaly: model_inference 184.2 USD vs baseline 61.4 USD (+200%)',
    );
    await settle(tenant, costAnomalyDetected({ tenantId: tenant, detectedAt: clock.iso() }));
    expect(await listOf(service, tenant)).toHaveLength(2);
  });
});

describe('FeedbackItemCreated on obs.feedback-item.v1', () => {
  it('publishes a canonical envelope for REST and event-born items, caused by the event', async () => {
    const tenant = uniqueTenant('fb-events');
    const manual = await postFeedback(service, tenant, { traceId: TRACE_ID });
    const incident = incidentResolved({ tenantId: tenant, resolvedAt: clock.iso() });
    await publish(incident);
    const events = await probe.waitFor(tenant, 'FeedbackItemCreated', 2);
    const ofManual = events.find((e) => e.aggregate.id === manual.id)!;
    const ofIncident = events.find((e) => e.aggregate.id === feedbackIdForEvent(incident.eventId))!;
    expect(ofManual).toMatchObject({
      specVersion: '1.0',
      producer: 'feedback-service',
      tenantId: tenant,
      traceId: TRACE_ID,
      aggregate: { type: 'FeedbackItem', id: manual.id, version: 1 },
      payload: {
        feedbackItemId: manual.id,
        projectId: 'checkout',
        artifactId: null,
        source: 'human',
        sourceId: null,
        category: 'performance',
        sentiment: 'negative',
        summary: 'Checkout is slow',
        createdAt: manual.createdAt,
      },
    });
    expect(probe.messageOf(ofManual.eventId)?.headers).toMatchObject({
      'event-type': 'FeedbackItemCreated',
      'event-version': '1',
      'tenant-id': tenant,
    });
    expect(ofIncident).toMatchObject({
      causationId: incident.eventId,
      traceId: TRACE_ID,
      payload: {
        source: 'incident',
        sourceId: incident.payload.incidentId,
        category: 'reliability',
      },
    });
    expect(probe.invalid()).toEqual([]);
  });

  it("keeps each tenant's items to itself: the same incident id in two tenants makes two", async () => {
    const a = uniqueTenant('fb-ten-a');
    const b = uniqueTenant('fb-ten-b');
    const incidentId = randomUUID();
    const forA = incidentResolved({ tenantId: a, resolvedAt: clock.iso() });
    const forB = incidentResolved({ tenantId: b, resolvedAt: clock.iso() });
    await publish({ ...forA, payload: { ...forA.payload, incidentId } });
    await publish({ ...forB, payload: { ...forB.payload, incidentId } });
    const [inA] = await waitForItems(a);
    const [inB] = await waitForItems(b);
    expect([inA!.tenantId, inB!.tenantId]).toEqual([a, b]);
    expect(inA!.id).not.toBe(inB!.id);
  });
});
