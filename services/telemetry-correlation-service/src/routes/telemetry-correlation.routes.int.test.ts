import { Validator } from '@seriousme/openapi-schema-validator';
import type { RunningService } from '@obs/service-kit';
import { mintToken } from '@obs/service-kit';
import { bearer, buildEvent, expectProblem } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getCorrelation,
  newTraceId,
  publish,
  reader,
  startCorrelationService,
  uniqueTenant,
  waitForApplied,
  type CorrelationBody,
} from '../../test/correlation-test-kit.js';

const owner = uniqueTenant('corr-owner');
const intruder = uniqueTenant('corr-intruder');
const traceId = newTraceId();
let service: RunningService;

beforeAll(async () => {
  service = await startCorrelationService();
  const opened = buildEvent('IncidentOpened', {
    tenantId: owner,
    traceId,
    payload: { dimensions: null },
  });
  await publish(service, opened);
  await waitForApplied(service, [opened.eventId]);
});
afterAll(async () => {
  await service.close();
});

/** Both forms of the one route: plain and expanded. */
const URLS = [`/v1/correlations/${traceId}`, `/v1/correlations/${traceId}?expand=true`];

describe('authentication and scopes', () => {
  it.each(URLS)('%s answers 401 without a token', async (url) => {
    expectProblem(await service.app.inject({ method: 'GET', url }), 401, 'unauthorized');
  });

  it.each(URLS)('%s answers 401 with a token signed by another key', async (url) => {
    const forged = mintToken({
      tenantId: owner,
      scopes: ['read'],
      secret: 'not-the-service-secret-0123456789',
    });
    const res = await service.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${forged}` },
    });
    expectProblem(res, 401, 'unauthorized');
  });

  it.each(URLS)('%s answers 403 without the read scope', async (url) => {
    const res = await service.app.inject({
      method: 'GET',
      url,
      headers: bearer(owner, ['write', 'ingest']),
    });
    expectProblem(res, 403, 'missing_scope');
  });

  it('lets the admin scope through', async () => {
    const res = await getCorrelation(service, owner, traceId, {
      headers: bearer(owner, ['admin']),
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('tenancy', () => {
  it.each(URLS)("%s answers 404 for another tenant's trace", async (url) => {
    const res = await service.app.inject({ method: 'GET', url, headers: reader(intruder) });
    expectProblem(res, 404, 'not_found');
  });

  it('answers the owner, and 404 for a trace nothing was seen about', async () => {
    const res = await getCorrelation(service, owner, traceId);
    expect(res.statusCode).toBe(200);
    expect(res.json<CorrelationBody>()).toMatchObject({ traceId, tenantId: owner });
    expectProblem(await getCorrelation(service, owner, newTraceId()), 404, 'not_found');
  });
});

describe('validation', () => {
  it.each([
    ['not hex', 'zz'.repeat(16)],
    ['upper case', 'A'.repeat(32)],
    ['too short', 'abc'],
    ['all zeros', '0'.repeat(32)],
  ])('answers 400 for a traceId that is %s', async (_what, id) => {
    const res = await getCorrelation(service, owner, id);
    expectProblem(res, 400, 'validation_failed');
  });

  it('answers 400 for an unknown or malformed query parameter', async () => {
    for (const query of ['expand=yes', 'limit=5']) {
      const res = await service.app.inject({
        method: 'GET',
        url: `/v1/correlations/${traceId}?${query}`,
        headers: reader(owner),
      });
      expectProblem(res, 400, 'validation_failed');
    }
  });
});

describe('OpenAPI', () => {
  it('serves a valid OpenAPI 3.1 document with the one route, described, with examples', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            description?: string;
            responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
          }
        >
      >;
    }>();
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(operations.map((o) => o.route)).toEqual(['GET /v1/correlations/{traceId}']);
    const [{ op }] = operations as [(typeof operations)[number]];
    expect(op.description?.length ?? 0).toBeGreaterThan(40);
    expect(Object.keys(op.responses).sort()).toEqual(
      ['200', '400', '401', '403', '404', '429', '503'].sort(),
    );
    expect(Object.keys(op.responses['404']?.content ?? {})).toEqual(['application/problem+json']);
  });
});
