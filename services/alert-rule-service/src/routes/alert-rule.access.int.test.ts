import { Validator } from '@seriousme/openapi-schema-validator';
import type { RunningService } from '@obs/service-kit';
import {
  bearer,
  injectRoute,
  itAnswers401WithoutToken,
  itAnswers403WithoutScope,
  itAnswers404ForAnotherTenant,
  quotedRouteName,
  routeName,
  type RouteAccessOptions,
  type RouteCase,
} from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createReceiver,
  fireRuleAt,
  ruleBody,
  seedMetric,
  startAlertRuleService,
  uniqueTenant,
} from '../../test/alert-rule-test-kit.js';

const owner = uniqueTenant('owner');
const other = uniqueTenant('other');
const ownerAuth = bearer(owner, ['read', 'write']);
const otherAuth = bearer(other, ['read', 'write']);
const metric = 'http.server.duration';
let service: RunningService;
let ruleId = '';
let receiverId = '';
let notificationId = '';
let silenceId = '';
let inhibitionRuleId = '';

beforeAll(async () => {
  service = await startAlertRuleService();
  await seedMetric(service, ownerAuth, owner, metric);
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/alert-rules',
    headers: ownerAuth,
    payload: ruleBody(metric),
  });
  expect(res.statusCode, res.body).toBe(201);
  ruleId = res.json<{ id: string }>().id;
  // A receiver named by a rule that fired: a notification of the owner's exists.
  receiverId = (await createReceiver(service, ownerAuth, 'http://127.0.0.1:9/hook')).id;
  const fired = await fireRuleAt(service, owner, [receiverId]);
  notificationId = fired.notifications[0]?.id ?? '';
  const silence = await service.app.inject({
    method: 'POST',
    url: '/v1/silences',
    headers: ownerAuth,
    payload: silenceBody(),
  });
  expect(silence.statusCode, silence.body).toBe(201);
  silenceId = silence.json<{ id: string }>().id;
  const inhibition = await service.app.inject({
    method: 'POST',
    url: '/v1/inhibition-rules',
    headers: ownerAuth,
    payload: inhibitionRuleBody(),
  });
  expect(inhibition.statusCode, inhibition.body).toBe(201);
  inhibitionRuleId = inhibition.json<{ id: string }>().id;
}, 60_000);
afterAll(async () => {
  await service.close();
});

const ROUTES: readonly RouteCase[] = [
  { method: 'POST', path: '/v1/alert-rules', scope: 'write', body: () => ruleBody(metric) },
  { method: 'GET', path: '/v1/alert-rules', scope: 'read' },
  { method: 'GET', path: '/v1/alert-rules/{id}', scope: 'read' },
  { method: 'PUT', path: '/v1/alert-rules/{id}', scope: 'write', body: () => ruleBody(metric) },
  { method: 'DELETE', path: '/v1/alert-rules/{id}', scope: 'write' },
  { method: 'POST', path: '/v1/alert-rules/{id}/enable', scope: 'write' },
  { method: 'POST', path: '/v1/alert-rules/{id}/disable', scope: 'write' },
  { method: 'GET', path: '/v1/alert-rules/{id}/state', scope: 'read' },
  { method: 'POST', path: '/v1/receivers', scope: 'write', body: () => receiverBody() },
  { method: 'GET', path: '/v1/receivers', scope: 'read' },
  { method: 'GET', path: '/v1/receivers/{id}', scope: 'read' },
  { method: 'PUT', path: '/v1/receivers/{id}', scope: 'write', body: () => receiverBody() },
  { method: 'DELETE', path: '/v1/receivers/{id}', scope: 'write' },
  { method: 'GET', path: '/v1/notifications', scope: 'read' },
  { method: 'GET', path: '/v1/notifications/{id}', scope: 'read' },
  { method: 'POST', path: '/v1/silences', scope: 'write', body: () => silenceBody() },
  { method: 'GET', path: '/v1/silences', scope: 'read' },
  { method: 'GET', path: '/v1/silences/{id}', scope: 'read' },
  { method: 'DELETE', path: '/v1/silences/{id}', scope: 'write' },
  {
    method: 'POST',
    path: '/v1/inhibition-rules',
    scope: 'write',
    body: () => inhibitionRuleBody(),
  },
  { method: 'GET', path: '/v1/inhibition-rules', scope: 'read' },
  { method: 'GET', path: '/v1/inhibition-rules/{id}', scope: 'read' },
  {
    method: 'PUT',
    path: '/v1/inhibition-rules/{id}',
    scope: 'write',
    body: () => inhibitionRuleBody(),
  },
  { method: 'DELETE', path: '/v1/inhibition-rules/{id}', scope: 'write' },
];
function inhibitionRuleBody() {
  return {
    sourceMatchers: [{ name: 'severity', operator: '=', value: 'critical' }],
    targetMatchers: [{ name: 'service', operator: '=', value: 'nothing-runs-here' }],
    equal: ['service'],
  };
}
function silenceBody() {
  return {
    matchers: [{ name: 'service', operator: '=', value: 'nothing-runs-here' }],
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    comment: 'access test',
  };
}
function receiverBody() {
  return {
    name: `hook-${crypto.randomUUID().slice(0, 8)}`,
    type: 'webhook',
    url: 'https://hooks.example.com/alerts',
  };
}
/** Each id route is called with the owner's resource of its kind. */
const idFor = (path: string): string =>
  path.startsWith('/v1/receivers')
    ? receiverId
    : path.startsWith('/v1/notifications')
      ? notificationId
      : path.startsWith('/v1/silences')
        ? silenceId
        : path.startsWith('/v1/inhibition-rules')
          ? inhibitionRuleId
          : ruleId;
const call = (route: RouteCase, headers: Record<string, string>) =>
  injectRoute(service.app, route, headers, { id: idFor(route.path) });
/** Each route is refused a token with the other of read and write. */
const access: RouteAccessOptions<RouteCase> = {
  routes: ROUTES,
  call,
  tenant: owner,
  scopes: ['read', 'write'],
  label: quotedRouteName, // the titles these tests have always had
};

describe('alert-rule-service access control', () => {
  it('covers every operation of the OpenAPI document, which is valid 3.1 with descriptions and examples, and problem+json for every error', async () => {
    const doc = (await service.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            description?: string;
            requestBody?: {
              content: Record<string, { schema: { example?: unknown; examples?: unknown } }>;
            };
            responses: Record<
              string,
              { content?: Record<string, { schema: { example?: unknown } }> }
            >;
          }
        >
      >;
    }>();
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(ROUTES.map(routeName).sort());
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const route = `${method.toUpperCase()} ${path}`;
        expect(op.description, route).toBeTruthy();
        const body = op.requestBody?.content['application/json']?.schema;
        if (body) expect(body.example ?? body.examples, `${route} body example`).toBeDefined();
        // Every route can meet these; a route on one rule can also miss it.
        const statuses = ['401', '403', '429', '503', ...(path.includes('{id}') ? ['404'] : [])];
        expect(Object.keys(op.responses), route).toEqual(expect.arrayContaining(statuses));
        for (const [status, response] of Object.entries(op.responses)) {
          // Errors are documented as they are answered: RFC 9457 application/problem+json.
          const types =
            status === '204'
              ? []
              : [Number(status) >= 400 ? 'application/problem+json' : 'application/json'];
          expect(Object.keys(response.content ?? {}), `${route} ${status}`).toEqual(types);
          for (const type of types) {
            expect(response.content?.[type]?.schema.example, `${route} ${status}`).toBeDefined();
          }
        }
      }
    }
  });

  itAnswers401WithoutToken(access);
  itAnswers403WithoutScope(access);

  itAnswers404ForAnotherTenant({
    routes: ROUTES.filter((r) => r.path.includes('{id}')),
    call,
    what: 'rule',
    headersOf: () => otherAuth,
    label: access.label,
  });

  it('shows another tenant an empty list', async () => {
    const list = await service.app.inject({
      method: 'GET',
      url: '/v1/alert-rules',
      headers: otherAuth,
    });
    expect(list.json()).toEqual({ items: [], nextCursor: null });
    for (const url of [
      '/v1/receivers',
      '/v1/notifications',
      '/v1/silences',
      '/v1/inhibition-rules',
    ]) {
      const other = await service.app.inject({ method: 'GET', url, headers: otherAuth });
      expect(other.json(), url).toEqual({ items: [], nextCursor: null });
    }
    // the owner's receiver and notification are listed, the secret nowhere
    const receivers = await service.app.inject({
      method: 'GET',
      url: '/v1/receivers',
      headers: ownerAuth,
    });
    expect(receivers.json<{ items: { id: string }[] }>().items.map((r) => r.id)).toEqual([
      receiverId,
    ]);
    expect(receivers.body).not.toContain('whsec_');
    const notifications = await service.app.inject({
      method: 'GET',
      url: `/v1/notifications?receiverId=${receiverId}`,
      headers: ownerAuth,
    });
    expect(notifications.json<{ items: { id: string }[] }>().items.map((n) => n.id)).toEqual([
      notificationId,
    ]);
    // and the owner's rule is still there
    expect(
      (
        await service.app.inject({
          method: 'GET',
          url: `/v1/alert-rules/${ruleId}`,
          headers: ownerAuth,
        })
      ).statusCode,
    ).toBe(200);
  });
});
