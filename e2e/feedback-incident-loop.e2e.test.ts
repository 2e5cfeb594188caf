import { topicFor } from '@obs/event-envelope';
import { createFeedbackService, feedbackConfigFrom } from '@obs/feedback-service';
import { incidentService } from '@obs/incident-service';
import type { RunningService } from '@obs/service-kit';
import { bearer, startTestService, TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/**
 * The incident path of issue 12, end to end over real Kafka and Postgres and through public APIs
 * only: an incident resolved with a root cause → IncidentResolved → a reliability FeedbackItem with
 * the root cause, the incident id and the trace → FeedbackItemCreated on obs.feedback-item.v1.
 */
const tenant = `e2e-fb-${Date.now()}`;
const auth = bearer(tenant, ['read', 'write']);
const traceId = '0af7651916cd43dd8448eb211c80319c';

let incidents: RunningService;
let feedback: RunningService;
let feedbackTopic: TopicReader;

beforeAll(async () => {
  incidents = await startTestService(incidentService);
  feedback = await startTestService(
    createFeedbackService({
      ...feedbackConfigFrom({}),
      storageConnectionString: inject('infra').azureStorageConnectionString,
    }),
  );
  feedbackTopic = await TopicReader.open(feedback.ctx.bus, [topicFor('FeedbackItemCreated')]);
});
afterAll(async () => {
  await feedbackTopic.close();
  await feedback.close();
  await incidents.close();
});

describe('a resolved incident becomes reliability feedback', () => {
  it('creates one FeedbackItem with the root cause, the incident and the trace', async () => {
    const opened = await incidents.app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: auth,
      payload: { title: 'Checkout 5xx spike', severity: 'high', projectId: 'checkout', traceId },
    });
    expect(opened.statusCode, opened.body).toBe(201);
    const incidentId = opened.json<{ id: string }>().id;
    const resolved = await incidents.app.inject({
      method: 'POST',
      url: `/v1/incidents/${incidentId}/resolve`,
      headers: auth,
      payload: { actor: 'alice', rootCause: 'Connection pool exhausted after a config change' },
    });
    expect(resolved.statusCode, resolved.body).toBe(200);

    const [created] = await feedbackTopic.waitFor(tenant, 'FeedbackItemCreated', 1, 60_000);
    expect(created).toMatchObject({
      producer: 'feedback-service',
      traceId,
      payload: { source: 'incident', sourceId: incidentId, category: 'reliability' },
    });
    const item = await feedback.app.inject({
      method: 'GET',
      url: `/v1/feedback/${created!.payload.feedbackItemId}`,
      headers: auth,
    });
    expect(item.statusCode, item.body).toBe(200);
    expect(item.json()).toMatchObject({
      tenantId: tenant,
      projectId: 'checkout',
      source: 'incident',
      sourceId: incidentId,
      category: 'reliability',
      sentiment: 'negative',
      summary: 'Incident resolved (high): Checkout 5xx spike',
      traceId,
      status: 'captured',
    });
    expect(item.json<{ detail: string }>().detail).toContain(
      'Root cause: Connection pool exhausted after a config change',
    );
    const list = await feedback.app.inject({
      method: 'GET',
      url: '/v1/feedback?source=incident&category=reliability',
      headers: auth,
    });
    expect(list.json<{ items: unknown[] }>().items).toHaveLength(1);
  });
});
