import { topicFor } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import {
  bearer,
  busMessageOf,
  expectProblem,
  TestClock,
  TopicReader,
} from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedbackIdForEvent } from '../feedback-intake.js';
import {
  incidentResolved,
  listOf,
  postFeedback,
  runVerb,
  startFeedbackService,
  uniqueTenant,
  writer,
  type FeedbackBody,
} from '../../test/feedback-test-kit.js';

const clock = new TestClock();
let service: RunningService;
let probe: TopicReader;

beforeAll(async () => {
  service = await startFeedbackService({ clock });
  probe = await TopicReader.open(service.ctx.bus, [topicFor('FeedbackItemRouted')]);
});
afterAll(async () => {
  await probe.close();
  await service.close();
});

interface RouteBody {
  id: string;
  name: string;
  position: number;
  to: string;
  receiverId: string | null;
  version: number;
}

const RECEIVER = '3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f';

async function postRule(tenant: string, body: Record<string, unknown>): Promise<RouteBody> {
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/feedback-routes',
    headers: writer(tenant),
    payload: { name: 'rule', matchers: [], ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<RouteBody>();
}

const agent = (tenant: string, subject: string) => bearer(tenant, ['ingest'], subject);

describe('routing rules: the first match routes a new item', () => {
  it('tries rules by position, whatever order they were created in', async () => {
    const tenant = uniqueTenant('fr-order');
    await postRule(tenant, {
      position: 20,
      to: 'team-catch-all',
      matchers: [{ name: 'project', operator: '=', value: 'checkout' }],
    });
    const first = await postRule(tenant, {
      position: 10,
      to: 'agent-fixer',
      receiverId: RECEIVER,
      matchers: [
        { name: 'category', operator: '=~', value: 'reliability|performance' },
        { name: 'sentiment', operator: '!=', value: 'positive' },
      ],
    });
    const routed = await postFeedback(service, tenant, { category: 'reliability' });
    expect(routed).toMatchObject({ status: 'routed', routedTo: 'agent-fixer' });
    expect(routed.routedAt).toBe(routed.createdAt);
    const second = await postFeedback(service, tenant, { category: 'cost' });
    expect(second).toMatchObject({ status: 'routed', routedTo: 'team-catch-all' });

    const events = await probe.waitFor(tenant, 'FeedbackItemRouted', 2);
    const ofFirst = events.find((e) => e.aggregate.id === routed.id);
    expect(ofFirst?.payload).toMatchObject({
      feedbackItemId: routed.id,
      routedTo: 'agent-fixer',
      feedbackRouteId: first.id,
      receiverId: RECEIVER,
      category: 'reliability',
    });
  });

  it('leaves an item no rule matches captured, to be routed by hand', async () => {
    const tenant = uniqueTenant('fr-none');
    await postRule(tenant, {
      position: 1,
      to: 'team-cost',
      matchers: [{ name: 'category', operator: '=', value: 'cost' }],
    });
    const item = await postFeedback(service, tenant, { category: 'performance' });
    expect(item).toMatchObject({ status: 'captured', routedTo: null });
    const byHand = await runVerb(service, tenant, item.id, 'route', { to: 'team-perf' });
    expect(byHand.json<FeedbackBody>()).toMatchObject({ status: 'routed', routedTo: 'team-perf' });
    const [event] = await probe.waitFor(tenant, 'FeedbackItemRouted', 1);
    expect(event?.payload).toMatchObject({ feedbackRouteId: null, receiverId: null });
  });

  it('matches module and artifact, a missing label as the empty string', async () => {
    const tenant = uniqueTenant('fr-labels');
    await postRule(tenant, {
      position: 1,
      to: 'team-payments',
      matchers: [
        { name: 'module', operator: '=', value: 'payments' },
        { name: 'artifact', operator: '=', value: '' },
      ],
    });
    const withModule = await postFeedback(service, tenant, { moduleId: 'payments' });
    expect(withModule).toMatchObject({ moduleId: 'payments', routedTo: 'team-payments' });
    const withArtifact = await postFeedback(service, tenant, {
      moduleId: 'payments',
      artifactId: 'payments-api',
    });
    expect(withArtifact.status).toBe('captured');
  });

  it('a rule change or delete does not touch the items routed before', async () => {
    const tenant = uniqueTenant('fr-change');
    const rule = await postRule(tenant, { position: 5, to: 'team-old' });
    const before = await postFeedback(service, tenant);
    expect(before.routedTo).toBe('team-old');
    const put = await service.app.inject({
      method: 'PUT',
      url: `/v1/feedback-routes/${rule.id}`,
      headers: { ...writer(tenant), 'if-match': '"1"' },
      payload: { name: 'renamed', position: 5, matchers: [], to: 'team-new' },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json<RouteBody>()).toMatchObject({ to: 'team-new', version: 2 });
    const after = await postFeedback(service, tenant);
    expect(after.routedTo).toBe('team-new');
    const del = await service.app.inject({
      method: 'DELETE',
      url: `/v1/feedback-routes/${rule.id}`,
      headers: writer(tenant),
    });
    expect(del.statusCode).toBe(204);
    const items = await listOf(service, tenant);
    expect(Object.fromEntries(items.map((i) => [i.id, i.routedTo]))).toEqual({
      [before.id]: 'team-old',
      [after.id]: 'team-new',
    });
    expect((await postFeedback(service, tenant)).status).toBe('captured');
  });

  it('lists rules in routing order, answers 409 for a taken position, 422 for a bad regex', async () => {
    const tenant = uniqueTenant('fr-list');
    const b = await postRule(tenant, { position: 2, to: 'b' });
    const a = await postRule(tenant, { position: 1, to: 'a' });
    const c = await postRule(tenant, { position: 3, to: 'c' });
    const page1 = await service.app.inject({
      method: 'GET',
      url: '/v1/feedback-routes?limit=2',
      headers: writer(tenant),
    });
    const first = page1.json<{ items: RouteBody[]; nextCursor: string }>();
    expect(first.items.map((r) => r.id)).toEqual([a.id, b.id]);
    const page2 = await service.app.inject({
      method: 'GET',
      url: `/v1/feedback-routes?limit=2&cursor=${first.nextCursor}`,
      headers: writer(tenant),
    });
    expect(page2.json<{ items: RouteBody[] }>().items.map((r) => r.id)).toEqual([c.id]);
    const taken = await service.app.inject({
      method: 'POST',
      url: '/v1/feedback-routes',
      headers: writer(tenant),
      payload: { name: 'dup', position: 2, matchers: [], to: 'x' },
    });
    expect(taken.statusCode).toBe(409);
    const redos = await service.app.inject({
      method: 'POST',
      url: '/v1/feedback-routes',
      headers: writer(tenant),
      payload: {
        name: 'redos',
        position: 9,
        matchers: [{ name: 'category', operator: '=~', value: '(a+)+' }],
        to: 'x',
      },
    });
    expectProblem(redos, 422, 'feedback_route.unbounded_regex');
    const bad = await service.app.inject({
      method: 'POST',
      url: '/v1/feedback-routes',
      headers: writer(tenant),
      payload: { name: 'bad', position: -1, matchers: [{ name: 'team' }], to: '' },
    });
    expectProblem(bad, 400, 'validation_failed');
    expect(bad.body).toContain('body.position');
  });

  it('routes an item made from an event in the consumer transaction', async () => {
    const tenant = uniqueTenant('fr-event');
    await postRule(tenant, {
      position: 1,
      to: 'agent-sre',
      receiverId: RECEIVER,
      matchers: [{ name: 'source', operator: '=', value: 'incident' }],
    });
    const event = incidentResolved({ tenantId: tenant, resolvedAt: clock.iso() });
    await service.ctx.bus.publish([busMessageOf(event)]);
    const [routed] = await probe.waitFor(tenant, 'FeedbackItemRouted', 1);
    expect(routed?.payload).toMatchObject({
      feedbackItemId: feedbackIdForEvent(event.eventId),
      routedTo: 'agent-sre',
      receiverId: RECEIVER,
    });
    expect(routed?.causationId).toBe(event.eventId);
  });
});

describe('the inbox: GET /v1/feedback?routedTo=', () => {
  it("an agent's ingest token lists its own inbox and applies what was routed to it", async () => {
    const tenant = uniqueTenant('fr-inbox');
    await postRule(tenant, {
      position: 1,
      to: 'agent-7',
      matchers: [{ name: 'category', operator: '=', value: 'performance' }],
    });
    const mine = await postFeedback(service, tenant, { category: 'performance' });
    const other = await postFeedback(service, tenant, { category: 'cost' });
    await runVerb(service, tenant, other.id, 'route', { to: 'agent-8' });
    const inbox = await service.app.inject({
      method: 'GET',
      url: '/v1/feedback?status=routed',
      headers: agent(tenant, 'agent-7'),
    });
    expect(inbox.statusCode, inbox.body).toBe(200);
    expect(inbox.json<{ items: FeedbackBody[] }>().items.map((i) => i.id)).toEqual([mine.id]);
    expectProblem(
      await service.app.inject({
        method: 'GET',
        url: '/v1/feedback?routedTo=agent-8',
        headers: agent(tenant, 'agent-7'),
      }),
      403,
      'not_your_inbox',
    );
    expect((await listOf(service, tenant, '?routedTo=agent-8')).map((i) => i.id)).toEqual([
      other.id,
    ]);
    const apply = (id: string) =>
      service.app.inject({
        method: 'POST',
        url: `/v1/feedback/${id}/apply`,
        headers: agent(tenant, 'agent-7'),
        payload: { changeRef: 'github:acme/checkout#7' },
      });
    expectProblem(await apply(other.id), 403, 'not_your_inbox');
    const applied = await apply(mine.id);
    expect(applied.statusCode, applied.body).toBe(200);
    expect(applied.json<FeedbackBody>()).toMatchObject({
      status: 'applied',
      appliedChangeRef: 'github:acme/checkout#7',
    });
    // The probe reads obs.feedback-item.v1, where FeedbackItemApplied is published too.
    const [event] = await probe.waitFor(tenant, 'FeedbackItemApplied', 1);
    expect(event?.payload).toMatchObject({
      feedbackItemId: mine.id,
      routedTo: 'agent-7',
      changeRef: 'github:acme/checkout#7',
    });
  });

  it('filters by traceId, and refuses a malformed one naming the parameter', async () => {
    const tenant = uniqueTenant('fr-trace');
    const trace = 'a'.repeat(32);
    const item = await postFeedback(service, tenant, { traceId: trace });
    await postFeedback(service, tenant);
    expect((await listOf(service, tenant, `?traceId=${trace}`)).map((i) => i.id)).toEqual([
      item.id,
    ]);
    const bad = await service.app.inject({
      method: 'GET',
      url: '/v1/feedback?traceId=XYZ',
      headers: writer(tenant),
    });
    expectProblem(bad, 400, 'validation_failed');
    expect(bad.body).toContain('traceId');
  });
});
