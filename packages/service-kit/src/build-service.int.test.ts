import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicFor } from '@obs/event-envelope';
import type { RunningService } from './build-service.js';
import { mintToken } from './dev-token.js';
import { widgetFixtureService } from '../test/widget-fixture.service.js';
import {
  bearer,
  expectProblem,
  fuzzWriteRoutes,
  startTestService,
  TopicReader,
} from './testing/index.js';

const tenantA = 'tenant-a';
const tenantB = 'tenant-b';
const write = bearer(tenantA, ['read', 'write']);
const readOnly = bearer(tenantA, ['read']);

let service: RunningService;

beforeAll(async () => {
  service = await startTestService(widgetFixtureService);
});
afterAll(async () => {
  await service.close();
});

async function createWidget(name: string, headers: Record<string, string> = write) {
  return service.app.inject({
    method: 'POST',
    url: '/v1/widgets',
    headers,
    payload: { name, panelCount: 1 },
  });
}

describe('service kit over real Postgres and Kafka', () => {
  it('creates a resource: 201, Location and the whole resource', async () => {
    const res = await createWidget(`w-${Date.now()}`);
    expect(res.statusCode).toBe(201);
    const body = res.json<{ id: string; version: number }>();
    expect(res.headers.location).toBe(`/v1/widgets/${body.id}`);
    expect(body.version).toBe(1);
  });

  it('answers 401 without a token and with a forged one', async () => {
    expectProblem(
      await service.app.inject({
        method: 'GET',
        url: '/v1/widgets/00000000-0000-4000-8000-000000000000',
      }),
      401,
      'unauthorized',
    );
    const forged = `Bearer ${mintToken({ tenantId: tenantA, scopes: ['read'], secret: 'another-secret-0123456789' })}`;
    expectProblem(
      await service.app.inject({
        method: 'GET',
        url: '/v1/widgets/00000000-0000-4000-8000-000000000000',
        headers: { authorization: forged },
      }),
      401,
      'unauthorized',
    );
  });

  it('answers 403 when the token lacks the route scope', async () => {
    expectProblem(await createWidget('no-scope', readOnly), 403, 'missing_scope');
  });

  it("answers 404 for another tenant's record, never 403", async () => {
    const created = (await createWidget(`mine-${Date.now()}`)).json<{ id: string }>();
    const res = await service.app.inject({
      method: 'GET',
      url: `/v1/widgets/${created.id}`,
      headers: bearer(tenantB, ['read', 'write']),
    });
    expectProblem(res, 404, 'not_found');
    const put = await service.app.inject({
      method: 'PUT',
      url: `/v1/widgets/${created.id}`,
      headers: bearer(tenantB, ['write']),
      payload: { name: 'x', panelCount: 1 },
    });
    expectProblem(put, 404, 'not_found');
  });

  it('answers 400 naming the invalid and the unknown fields', async () => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/widgets',
      headers: write,
      payload: { name: '', panelCount: 'many', extra: true },
    });
    const body = expectProblem(res, 400, 'validation_failed');
    const fields = (body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(['body.name', 'body.panelCount', 'body.extra']);
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/widgets',
      headers: { ...write, 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expectProblem(res, 400, 'malformed_request');
  });

  it('answers 422 with the invariant code when the domain refuses', async () => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/widgets',
      headers: write,
      payload: { name: `zero-${Date.now()}`, panelCount: 0 },
    });
    expectProblem(res, 422, 'widget.no_panels');
  });

  it('answers 409 on a duplicate name and on a stale If-Match', async () => {
    const name = `dup-${Date.now()}`;
    const created = (await createWidget(name)).json<{ id: string }>();
    expectProblem(await createWidget(name), 409, 'unique_violation');

    const get = await service.app.inject({
      method: 'GET',
      url: `/v1/widgets/${created.id}`,
      headers: write,
    });
    expect(get.headers.etag).toBe('"1"');
    const ok = await service.app.inject({
      method: 'PUT',
      url: `/v1/widgets/${created.id}`,
      headers: { ...write, 'if-match': '"1"' },
      payload: { name, panelCount: 3 },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json<{ version: number }>().version).toBe(2);
    const stale = await service.app.inject({
      method: 'PUT',
      url: `/v1/widgets/${created.id}`,
      headers: { ...write, 'if-match': '"1"' },
      payload: { name, panelCount: 4 },
    });
    expectProblem(stale, 409, 'version_conflict');
  });

  it('answers 413 for an oversized body and 415 for a wrong content type', async () => {
    const huge = JSON.stringify({ name: 'x'.repeat(2_000_000), panelCount: 1 });
    const big = await service.app.inject({
      method: 'POST',
      url: '/v1/widgets',
      headers: { ...write, 'content-type': 'application/json' },
      payload: huge,
    });
    expectProblem(big, 413, 'body_too_large');
    const text = await service.app.inject({
      method: 'POST',
      url: '/v1/widgets',
      headers: { ...write, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expectProblem(text, 415, 'unsupported_media_type');
  });

  it('answers problem+json 404 for unknown routes and keeps health open', async () => {
    expectProblem(
      await service.app.inject({ method: 'GET', url: '/v1/nothing-here' }),
      404,
      'not_found',
    );
    expect((await service.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json()).toMatchObject({ status: 'ready', database: true, bus: 'kafka' });
  });

  it('serves a valid OpenAPI 3.1 document and Swagger UI without a token', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/widgets', '/v1/widgets/{id}']),
    );
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(validator.version).toBe('3.1');
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect((await service.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(
      400,
    );
  });

  it('carries the request trace into the envelope traceId and the Kafka traceparent header', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    // The topic is shared with other suites, some of which publish records that are not
    // envelopes on purpose: the reader keeps those apart instead of failing on them.
    const reader = await TopicReader.open(service.ctx.bus, [topicFor('DashboardDefined')]);
    const recordOf = (name: string) =>
      reader.records.find(
        (r) => r.envelope?.eventType === 'DashboardDefined' && r.envelope.payload.name === name,
      );
    try {
      const name = `traced-${Date.now()}`;
      const res = await service.app.inject({
        method: 'POST',
        url: '/v1/widgets',
        headers: { ...write, traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
        payload: { name, panelCount: 1 },
      });
      expect(res.statusCode).toBe(201);
      await expect.poll(() => recordOf(name), { timeout: 30_000, interval: 100 }).toBeDefined();
      const record = recordOf(name)!;
      expect(record.envelope?.traceId).toBe(traceId);
      expect(record.envelope?.tenantId).toBe(tenantA);
      expect(record.message.headers.traceparent).toMatch(
        new RegExp(`^00-${traceId}-[0-9a-f]{16}-0[01]$`),
      );
    } finally {
      await reader.close();
    }
  });

  it('starts a trace of its own for a request without traceparent, and carries it onto Kafka', async () => {
    const reader = await TopicReader.open(service.ctx.bus, [topicFor('DashboardDefined')]);
    const recordOf = (name: string) =>
      reader.records.find(
        (r) => r.envelope?.eventType === 'DashboardDefined' && r.envelope.payload.name === name,
      );
    try {
      const name = `untraced-${Date.now()}`;
      const res = await service.app.inject({
        method: 'POST',
        url: '/v1/widgets',
        headers: write,
        payload: { name, panelCount: 1 },
      });
      expect(res.statusCode).toBe(201);
      await expect.poll(() => recordOf(name), { timeout: 30_000, interval: 100 }).toBeDefined();
      const record = recordOf(name)!;
      const traceId = record.envelope?.traceId;
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(traceId).not.toBe('0'.repeat(32));
      expect(record.message.headers.traceparent).toMatch(
        new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`),
      );
    } finally {
      await reader.close();
    }
  });

  it('never answers 5xx to random bodies on any write route (fuzz)', async () => {
    const created = (await createWidget(`fuzz-${Date.now()}`)).json<{ id: string }>();
    const report = await fuzzWriteRoutes(service.app, {
      headers: write,
      pathParams: { id: created.id },
      runsPerRoute: 80,
    });
    expect(report.routes).toEqual(['POST /v1/widgets', 'PUT /v1/widgets/{id}']);
    // Some random bodies must get through validation, or the fuzzing never reached the domain.
    expect(Object.keys(report.statuses).some((status) => Number(status) < 300)).toBe(true);
  });
});
