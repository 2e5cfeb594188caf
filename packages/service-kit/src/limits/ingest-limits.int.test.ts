import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RunningService, ServiceDefinition } from '../build-service.js';
import { otlpIngestRoute } from '../otlp/otlp-route.js';
import { otlpTypes, statusType } from '../otlp/otlp-schema.js';
import { bearer, expectProblem, startTestService } from '../testing/index.js';

/** The kit's OTLP route and a JSON batch route declaring `ingestLimit`, beside a plain REST route. */
function limitedService(stored: string[]): ServiceDefinition {
  return {
    name: 'limits-fixture-service',
    schema: 'limits_fixture',
    defaultPort: 0,
    openapi: { title: 'limits-fixture-service', description: 'ingest limits', version: '1.0.0' },
    entities: [],
    migrations: [],
    topics: [],
    compose: (ctx) => ({
      routes: (app: FastifyInstance) => {
        otlpIngestRoute(app, ctx, {
          url: '/v1/traces',
          signal: 'traces',
          tags: ['ingest'],
          summary: 'Ingest spans',
          description: 'OTLP/HTTP traces.',
          ingest: (request, call) => {
            for (const resource of request.resourceSpans ?? [])
              for (const scope of resource.scopeSpans ?? [])
                for (const span of scope.spans ?? [])
                  stored.push(`${call.auth.tenantId}/${span.spanId}`);
            return Promise.resolve({ rejected: 0 });
          },
        });
        const lines = z.object({ lines: z.array(z.object({ id: z.string() })).min(1) }).strict();
        app.withTypeProvider<ZodTypeProvider>().post(
          '/v1/lines',
          {
            config: {
              scope: 'ingest',
              ingestLimit: {
                signal: 'costLines',
                count: (body) => (body as z.infer<typeof lines>).lines.length,
              },
            },
            schema: { body: lines },
          },
          (request) => {
            for (const line of request.body.lines)
              stored.push(`${request.auth.tenantId}/${line.id}`);
            return { accepted: request.body.lines.length };
          },
        );
        app.get('/v1/ping', { config: { scope: 'read' } }, () => ({ ok: true }));
      },
    }),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'limits-int-'));
const limitsPath = join(dir, 'limits.json');
const LIMITS = {
  defaults: {
    // Slow enough that no token comes back between two requests, however loaded the machine.
    spans: { rate: 0.01, burst: 10 },
    costLines: { rate: 0.01, burst: 5 },
  },
};
const stored: string[] = [];
let service: RunningService;

beforeAll(async () => {
  writeFileSync(limitsPath, JSON.stringify(LIMITS));
  service = await startTestService(limitedService(stored), {
    kafka: false,
    env: {
      TENANT_LIMITS_FILE: limitsPath,
      TENANT_LIMITS_POLL_MS: '100',
      RATE_LIMIT_MAX: '3',
    },
  });
});
afterAll(async () => {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

let spanSeq = 0;
function spans(count: number): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: Array.from({ length: count }, () => ({
              traceId: '0af7651916cd43dd8448eb211c80319c',
              spanId: (++spanSeq).toString(16).padStart(16, '0'),
              name: 'work',
              startTimeUnixNano: '1714550400000000000',
              endTimeUnixNano: '1714550400120000000',
            })),
          },
        ],
      },
    ],
  };
}

const postSpans = (tenant: string, body: object) =>
  service.app.inject({
    method: 'POST',
    url: '/v1/traces',
    headers: { ...bearer(tenant, ['ingest']), 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });

const storedOf = (tenant: string) => stored.filter((entry) => entry.startsWith(`${tenant}/`));

describe('per-tenant ingest limits (items and bytes, token buckets)', () => {
  it('refuses an OTLP batch over the span rate whole: 429, Retry-After from the bucket, RESOURCE_EXHAUSTED, nothing stored', async () => {
    const tenant = 'limits-a';
    expect((await postSpans(tenant, spans(10))).statusCode).toBe(200);
    const refused = await postSpans(tenant, spans(5));
    expect(refused.statusCode).toBe(429);
    // 5 spans at 0.01/s: 500 s, less what came back since, in whole seconds.
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(400);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(500);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    const body = refused.json<{ code: number; message: string }>();
    expect(body.code).toBe(8);
    expect(body.message).toMatch(/spans \(0\.01\/s, burst 10\)/);
    expect(storedOf(tenant)).toHaveLength(10);

    // In protobuf, the refusal is a protobuf google.rpc.Status.
    const types = otlpTypes('traces');
    const oneSpan = types.request.fromObject({
      resourceSpans: [
        {
          scopeSpans: [
            { spans: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), name: 'x' }] },
          ],
        },
      ],
    });
    const protobuf = await service.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { ...bearer(tenant, ['ingest']), 'content-type': 'application/x-protobuf' },
      payload: Buffer.from(types.request.encode(oneSpan).finish()),
    });
    expect(protobuf.statusCode).toBe(429);
    expect(protobuf.headers['content-type']).toMatch(/^application\/x-protobuf/);
    const status = statusType().toObject(statusType().decode(protobuf.rawPayload)) as {
      code: number;
    };
    expect(status.code).toBe(8);
    expect(storedOf(tenant)).toHaveLength(10);
  });

  it('does not slow another tenant while one is refused', async () => {
    expect((await postSpans('limits-noisy', spans(10))).statusCode).toBe(200);
    expect((await postSpans('limits-noisy', spans(10))).statusCode).toBe(429);
    expect((await postSpans('limits-quiet', spans(10))).statusCode).toBe(200);
    expect(storedOf('limits-quiet')).toHaveLength(10);
  });

  it('takes ingest routes out of the request limit, which REST routes keep', async () => {
    const tenant = 'limits-requests';
    for (let i = 0; i < 6; i += 1) expect((await postSpans(tenant, spans(0))).statusCode).toBe(200);
    const codes: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const res = await service.app.inject({
        method: 'GET',
        url: '/v1/ping',
        headers: bearer(tenant, ['read']),
      });
      codes.push(res.statusCode);
    }
    expect(codes).toEqual([200, 200, 200, 429]);
  });

  it('limits a JSON batch route by the items its parsed body holds, as problem+json with Retry-After', async () => {
    const tenant = 'limits-lines';
    const post = (ids: string[]) =>
      service.app.inject({
        method: 'POST',
        url: '/v1/lines',
        headers: bearer(tenant, ['ingest']),
        payload: { lines: ids.map((id) => ({ id })) },
      });
    expect((await post(['a', 'b', 'c', 'd', 'e'])).statusCode).toBe(200);
    const refused = await post(['f', 'g']);
    expectProblem(refused, 429, 'rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(100);
    expect(refused.json<{ detail: string }>().detail).toMatch(/costLines \(0\.01\/s, burst 5\)/);
    // A body the schema refuses spends nothing and is a 400, not a 429.
    const invalid = await service.app.inject({
      method: 'POST',
      url: '/v1/lines',
      headers: bearer(tenant, ['ingest']),
      payload: { lines: [] },
    });
    expectProblem(invalid, 400, 'validation_failed');
    expect(storedOf(tenant)).toEqual(['a', 'b', 'c', 'd', 'e'].map((id) => `${tenant}/${id}`));
  });

  it('raises one tenant when the limits file changes, without a restart', async () => {
    const big = 'limits-big';
    const small = 'limits-small';
    expect((await postSpans(big, spans(10))).statusCode).toBe(200);
    expect((await postSpans(big, spans(10))).statusCode).toBe(429);
    writeFileSync(
      limitsPath,
      JSON.stringify({
        ...LIMITS,
        tenants: { [big]: { spans: { rate: 100_000, burst: 100_000 } } },
      }),
    );
    // The file is polled every 100 ms; the first request after the reload sees the new rate.
    await expect
      .poll(async () => (await postSpans(big, spans(50))).statusCode, {
        timeout: 20_000,
        interval: 200,
      })
      .toBe(200);
    expect((await postSpans(big, spans(500))).statusCode).toBe(200);
    expect((await postSpans(small, spans(10))).statusCode).toBe(200);
    expect((await postSpans(small, spans(10))).statusCode).toBe(429);
  });
});
