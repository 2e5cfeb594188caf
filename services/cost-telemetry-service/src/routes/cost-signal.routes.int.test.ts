import { Validator } from '@seriousme/openapi-schema-validator';
import type { RunningService } from '@obs/service-kit';
import { expectProblem } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TRACE_A,
  TRACE_B,
  getJson,
  line,
  reader,
  sendLines,
  signalAt,
  signalsOf,
  startCostService,
  uniqueTenant,
  type SignalBody,
} from '../../test/cost-test-kit.js';

let service: RunningService;
const tenant = uniqueTenant('cost-reads');

beforeAll(async () => {
  service = await startCostService();
  await sendLines(service, tenant, [
    line({
      category: 'model_inference',
      model: 'gpt-4o',
      amount: '0.0185',
      inputTokens: 1200,
      outputTokens: 450,
      traceId: TRACE_A,
      agentId: 'support-agent',
    }),
    line({
      category: 'model_inference',
      model: 'gpt-4o',
      amount: '0.0015',
      inputTokens: 100,
      outputTokens: 250,
      traceId: TRACE_B,
      agentId: 'support-agent',
    }),
    line({
      category: 'model_inference',
      model: 'claude-3-5-haiku',
      amount: '0.004',
      inputTokens: 3000,
      outputTokens: 200,
      traceId: TRACE_A,
      agentId: 'triage-agent',
    }),
    line({ category: 'compute', amount: '0.096', traceId: TRACE_A, agentId: 'none' }),
    line({ category: 'storage', amount: '2', agentId: 'none', occurredAt: '2030-01-12T00:00:00Z' }),
    line({
      category: 'network',
      amount: '1',
      projectId: 'search',
      agentId: 'none',
      occurredAt: '2030-02-03T00:00:00Z',
    }),
  ]);
});
afterAll(async () => {
  await service.close();
});

const get = (url: string, tenantId = tenant) =>
  service.app.inject({ method: 'GET', url, headers: reader(tenantId) });

describe('GET /v1/cost-signals', () => {
  it('lists newest period first, filtered by project, period kind and [from, to)', async () => {
    const all = await signalsOf(service, tenant);
    expect(all.map((s) => `${s.projectId} ${s.period} ${s.periodStart.slice(0, 10)}`)).toEqual([
      'search day 2030-02-03',
      'search month 2030-02-01',
      'checkout day 2030-01-12',
      'checkout day 2030-01-10',
      'checkout month 2030-01-01',
    ]);
    const days = await signalsOf(
      service,
      tenant,
      '&projectId=checkout&period=day&from=2030-01-11T00:00:00Z&to=2030-02-01T00:00:00Z',
    );
    expect(days.map((s) => s.periodStart)).toEqual(['2030-01-12T00:00:00.000Z']);
    expect(
      await signalsOf(service, tenant, '&from=2030-03-01T00:00:00Z&to=2030-01-01T00:00:00Z'),
    ).toEqual([]);
  });

  it('pages with a keyset cursor without repeats or gaps', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: SignalBody[]; nextCursor: string | null } = await getJson(
        service,
        tenant,
        `/v1/cost-signals?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual((await signalsOf(service, tenant)).map((s) => s.id));
  });

  it.each([
    ['from=yesterday', 'querystring.from', 'validation_failed'],
    ['to=2030-13-01T00:00:00Z', 'querystring.to', 'validation_failed'],
    ['period=week', 'querystring.period', 'validation_failed'],
    ['limit=0', 'querystring.limit', 'validation_failed'],
    ['cursor=abc', 'querystring.cursor', 'invalid_cursor'],
  ])('answers 400 for a malformed filter (%s)', async (query, fieldName, code) => {
    const body = expectProblem(await get(`/v1/cost-signals?${query}`), 400, code);
    expect((body.errors as { field: string }[]).map((e) => e.field)).toContain(fieldName);
  });
});

describe('GET /v1/cost-signals/{id}', () => {
  it('answers the signal with its ETag; total equals the sum of its breakdown', async () => {
    const listed = await signalAt(service, tenant, 'day', '2030-01-10');
    const res = await get(`/v1/cost-signals/${listed?.id}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    const signal = res.json<SignalBody>();
    expect(signal).toEqual(listed);
    expect(signal.total).toBe('0.12');
    expect(signal.breakdown).toEqual([
      { category: 'model_inference', amount: '0.024' },
      { category: 'compute', amount: '0.096' },
    ]);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expectProblem(await get(`/v1/cost-signals/cost_${'0'.repeat(32)}`), 404, 'not_found');
    expectProblem(await get('/v1/cost-signals/not-an-id'), 400, 'validation_failed');
  });
});

describe('breakdowns', () => {
  it('by model: exact sums, tokens and cost per token, largest first', async () => {
    const page = await getJson<{ items: unknown[]; nextCursor: string | null }>(
      service,
      tenant,
      '/v1/costs/by-model?projectId=checkout',
    );
    expect(page).toEqual({
      items: [
        {
          model: 'gpt-4o',
          currency: 'USD',
          amount: '0.02',
          lineCount: 2,
          inputTokens: 1300,
          outputTokens: 700,
          totalTokens: 2000,
          costPerToken: '0.00001',
          costPerMillionTokens: '10',
        },
        {
          model: 'claude-3-5-haiku',
          currency: 'USD',
          amount: '0.004',
          lineCount: 1,
          inputTokens: 3000,
          outputTokens: 200,
          totalTokens: 3200,
          costPerToken: '0.00000125',
          costPerMillionTokens: '1.25',
        },
      ],
      nextCursor: null,
    });
    const firstPage = await getJson<{ items: { model: string }[]; nextCursor: string | null }>(
      service,
      tenant,
      '/v1/costs/by-model?limit=1',
    );
    expect(firstPage.items.map((i) => i.model)).toEqual(['gpt-4o']);
    const second = await getJson<{ items: { model: string }[]; nextCursor: string | null }>(
      service,
      tenant,
      `/v1/costs/by-model?limit=1&cursor=${firstPage.nextCursor}`,
    );
    expect(second).toEqual({
      items: [expect.objectContaining({ model: 'claude-3-5-haiku' })],
      nextCursor: null,
    });
    const none = await getJson<{ items: unknown[] }>(
      service,
      tenant,
      '/v1/costs/by-model?from=2030-01-11T00:00:00Z',
    );
    expect(none.items).toEqual([]);
  });

  it('by agent: every category, "none" for cost without an agent', async () => {
    const page = await getJson<{ items: unknown[] }>(service, tenant, '/v1/costs/by-agent');
    expect(page.items).toEqual([
      {
        agentId: 'none',
        currency: 'USD',
        amount: '3.096',
        lineCount: 3,
        inputTokens: 0,
        outputTokens: 0,
      },
      {
        agentId: 'support-agent',
        currency: 'USD',
        amount: '0.02',
        lineCount: 2,
        inputTokens: 1300,
        outputTokens: 700,
      },
      {
        agentId: 'triage-agent',
        currency: 'USD',
        amount: '0.004',
        lineCount: 1,
        inputTokens: 3000,
        outputTokens: 200,
      },
    ]);
    const search = await getJson<{ items: { amount: string }[] }>(
      service,
      tenant,
      '/v1/costs/by-agent?projectId=search',
    );
    expect(search.items.map((i) => i.amount)).toEqual(['1']);
  });

  it('by trace: totals, categories and cost per token and model within the trace', async () => {
    const cost = await getJson(service, tenant, `/v1/costs/by-trace/${TRACE_A}`);
    expect(cost).toEqual({
      traceId: TRACE_A,
      lineCount: 3,
      projectIds: ['checkout'],
      totals: [{ currency: 'USD', amount: '0.1185' }],
      byCategory: [
        { category: 'model_inference', currency: 'USD', amount: '0.0225' },
        { category: 'compute', currency: 'USD', amount: '0.096' },
      ],
      byModel: [
        {
          model: 'gpt-4o',
          currency: 'USD',
          amount: '0.0185',
          lineCount: 1,
          inputTokens: 1200,
          outputTokens: 450,
          totalTokens: 1650,
          costPerToken: '0.000011212121',
          costPerMillionTokens: '11.212121',
        },
        {
          model: 'claude-3-5-haiku',
          currency: 'USD',
          amount: '0.004',
          lineCount: 1,
          inputTokens: 3000,
          outputTokens: 200,
          totalTokens: 3200,
          costPerToken: '0.00000125',
          costPerMillionTokens: '1.25',
        },
      ],
    });
  });

  it('answers 404 for a trace without cost and 400 for a malformed trace id or filter', async () => {
    expectProblem(await get(`/v1/costs/by-trace/${'ab'.repeat(16)}`), 404, 'not_found');
    expectProblem(await get('/v1/costs/by-trace/XYZ'), 400, 'validation_failed');
    expectProblem(await get('/v1/costs/by-model?from=soon'), 400, 'validation_failed');
    expectProblem(await get('/v1/costs/by-agent?cursor=1'), 400, 'invalid_cursor');
  });
});

describe('OpenAPI document', () => {
  it('is valid OpenAPI 3.1 and documents every route with examples and problem+json errors', async () => {
    const doc = (await service.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            description?: string;
            requestBody?: { content: Record<string, { schema: { example?: unknown } }> };
            responses: Record<
              string,
              { content?: Record<string, { schema: { example?: unknown } }> }
            >;
          }
        >
      >;
    }>();
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(operations.map((o) => o.route).sort()).toEqual(
      [
        'POST /v1/cost-records',
        'GET /v1/cost-signals',
        'GET /v1/cost-signals/{id}',
        'GET /v1/costs/by-model',
        'GET /v1/costs/by-agent',
        'GET /v1/costs/by-trace/{traceId}',
        'POST /v1/cost-signals:export',
        'GET /v1/cost-signals/exports/{id}',
        'GET /v1/cost-signals/exports/{id}/download',
      ].sort(),
    );
    for (const { route, op } of operations) {
      expect(op.description?.length ?? 0, route).toBeGreaterThan(40);
      if (route.startsWith('POST')) {
        expect(
          op.requestBody?.content['application/json']?.schema.example,
          `${route} body`,
        ).toBeDefined();
      }
      for (const [status, response] of Object.entries(op.responses)) {
        const type =
          Number(status) >= 400
            ? 'application/problem+json'
            : route.endsWith('/download')
              ? 'text/csv'
              : 'application/json';
        expect(Object.keys(response.content ?? {}), `${route} ${status}`).toEqual([type]);
        if (type !== 'text/csv') {
          expect(response.content?.[type]?.schema.example, `${route} ${status}`).toBeDefined();
        }
      }
    }
  });
});
