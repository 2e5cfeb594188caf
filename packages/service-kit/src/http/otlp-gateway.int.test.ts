import { findFreePort } from '@obs/local-infra';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../build-service.js';
import { otlpTypes, statusType } from '../otlp/otlp-schema.js';
import { bearer, startTestService } from '../testing/index.js';
import { otlpFixtureService, type OtlpFixture } from '../../test/otlp-fixture.service.js';
import { buildOtlpGateway, type OtlpGateway } from './otlp-gateway.js';

// The front door against a real kit service (the OTLP traces route, on real PostgreSQL): what the
// service answers through it is byte for byte what it answers directly.
const TENANT = 'tenant-gateway';
const ingest = bearer(TENANT, ['ingest']);
const ORIGIN = 'https://app.example.com';
const fixture: OtlpFixture = { received: [], next: { rejected: 0 } };
let service: RunningService;
let gateway: OtlpGateway;
let direct: string;
let front: string;

beforeAll(async () => {
  service = await startTestService(otlpFixtureService(fixture), {
    kafka: false,
    env: { CORS_ORIGINS: ORIGIN },
  });
  direct = await service.app.listen({ port: 0, host: '127.0.0.1' });
  const down = `http://127.0.0.1:${await findFreePort()}`;
  gateway = await buildOtlpGateway({
    env: { LOG_LEVEL: 'silent' },
    upstreams: {
      'trace-service': direct,
      'metric-aggregation-service': down,
      'log-query-service': down,
    },
  });
  front = await gateway.listen(0);
});
afterAll(async () => {
  await gateway?.close();
  await service?.close();
});

const VARYING = ['date', 'connection', 'keep-alive', 'x-ratelimit-remaining', 'x-ratelimit-reset'];

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

async function send(base: string, init: RequestInit, path = '/v1/traces'): Promise<Answer> {
  const res = await fetch(`${base}${path}`, init);
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    // Per connection or per moment (the limiter counts every request), not per answer.
    if (!VARYING.includes(name)) headers[name] = value;
  });
  // RFC 9110 §8.6: no Content-Length on a 204; the service sends `0`, Node's proxy reply drops it.
  if (res.status === 204) delete headers['content-length'];
  return { status: res.status, headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** The same request directly and through the front door: the two answers. */
async function both(init: () => RequestInit, path = '/v1/traces'): Promise<[Answer, Answer]> {
  return [await send(direct, init(), path), await send(front, init(), path)];
}

const spans = (traceId: string) => ({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'tenant.id', value: { stringValue: TENANT } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId,
              spanId: 'b7ad6b7169203331',
              name: 'GET /cart',
              kind: 2,
              startTimeUnixNano: '1714550400000000000',
              endTimeUnixNano: '1714550400120000000',
            },
          ],
        },
      ],
    },
  ],
});

describe('the OTLP/HTTP front door', () => {
  it('passes JSON through and answers what the service answers, partialSuccess included', async () => {
    fixture.received.length = 0;
    fixture.next = { rejected: 1, errorMessage: 'missing resource attributes: project.id' };
    const [a, b] = await both(() => ({
      method: 'POST',
      headers: { ...ingest, 'content-type': 'application/json' },
      body: JSON.stringify(spans('0af7651916cd43dd8448eb211c80319c')),
    }));
    expect(b).toEqual(a);
    expect(JSON.parse(b.body.toString())).toEqual({
      partialSuccess: { rejectedSpans: 1, errorMessage: 'missing resource attributes: project.id' },
    });
    expect(fixture.received).toHaveLength(2);
    expect(fixture.received[1]).toEqual(fixture.received[0]);
  });

  it('passes gzip protobuf through unopened: the service decompresses and decodes it', async () => {
    fixture.received.length = 0;
    fixture.next = { rejected: 0 };
    const types = otlpTypes('traces');
    const body = spans(Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex').toString('base64'));
    body.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.spanId = Buffer.from(
      'b7ad6b7169203331',
      'hex',
    ).toString('base64');
    const bytes = gzipSync(types.request.encode(types.request.fromObject(body)).finish());
    const [a, b] = await both(() => ({
      method: 'POST',
      headers: {
        ...ingest,
        'content-type': 'application/x-protobuf',
        'content-encoding': 'gzip',
      },
      body: bytes,
    }));
    expect(b).toEqual(a);
    expect(b.status).toBe(200);
    expect(b.headers['content-type']).toBe('application/x-protobuf');
    expect(fixture.received.map((r) => r.resourceSpans?.[0]?.scopeSpans?.[0]?.spans?.[0])).toEqual(
      [expect.objectContaining({ traceId: '0af7651916cd43dd8448eb211c80319c' })].concat(
        expect.objectContaining({ spanId: 'b7ad6b7169203331' }),
      ),
    );
  });

  it('passes a 503 with Retry-After through unchanged, in either encoding', async () => {
    fixture.next = 'full';
    const [a, b] = await both(() => ({
      method: 'POST',
      headers: { ...ingest, 'content-type': 'application/json' },
      body: '{}',
    }));
    expect(b).toEqual(a);
    expect(b.status).toBe(503);
    expect(b.headers['retry-after']).toBe('7');
    expect(JSON.parse(b.body.toString())).toMatchObject({ code: 14 });
    const [pa, pb] = await both(() => ({
      method: 'POST',
      headers: { ...ingest, 'content-type': 'application/x-protobuf' },
      body: new Uint8Array(0),
    }));
    expect(pb).toEqual(pa);
    expect(statusType().toObject(statusType().decode(pb.body))).toMatchObject({ code: 14 });
    fixture.next = { rejected: 0 };
  });

  it('passes 4xx answers through unchanged: a body that does not parse, a missing or weak token', async () => {
    const cases: RequestInit[] = [
      {
        method: 'POST',
        headers: { ...ingest, 'content-type': 'application/json' },
        body: '{"resourceSpans": [',
      },
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
      {
        method: 'POST',
        headers: { ...bearer(TENANT, ['read']), 'content-type': 'application/json' },
        body: '{}',
      },
      {
        method: 'POST',
        headers: { ...ingest, 'content-type': 'application/json', 'content-encoding': 'br' },
        body: '{}',
      },
    ];
    const statuses: number[] = [];
    for (const init of cases) {
      const [a, b] = await both(() => init);
      expect(b).toEqual(a);
      statuses.push(b.status);
    }
    expect(statuses).toEqual([400, 401, 403, 415]);
  });

  it('passes the CORS preflight and the Origin through: the service answers them', async () => {
    const [a, b] = await both(() => ({
      method: 'OPTIONS',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    }));
    expect(b).toEqual(a);
    expect(b.status).toBe(204);
    expect(b.headers['access-control-allow-origin']).toBe(ORIGIN);
    const [c, d] = await both(() => ({
      method: 'POST',
      headers: { ...ingest, origin: ORIGIN, 'content-type': 'application/json' },
      body: '{}',
    }));
    expect(d).toEqual(c);
    expect(d.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('serves exactly the three OTLP paths, for POST (and preflight) only', async () => {
    const get = await send(front, { method: 'GET', headers: ingest });
    expect(get.status).toBe(404);
    const below = await send(
      front,
      { method: 'POST', headers: ingest, body: '{}' },
      '/v1/traces/x',
    );
    expect(below.status).toBe(404);
    const other = await send(front, { method: 'GET' }, '/v1/incidents');
    expect(other.status).toBe(404);
    expect(JSON.parse(other.body.toString())).toMatchObject({ code: 'not_found' });
  });

  it('answers 502 problem+json naming the service when it does not answer', async () => {
    const res = await send(
      front,
      { method: 'POST', headers: { ...ingest, 'content-type': 'application/json' }, body: '{}' },
      '/v1/logs',
    );
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBe('1');
    const body = JSON.parse(res.body.toString()) as {
      status: number;
      code: string;
      detail: string;
    };
    expect(body).toMatchObject({ status: 502, code: 'upstream_unavailable' });
    expect(body.detail).toContain('log-query-service');
  });

  it('answers /healthz and /readyz', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const res = await send(front, {}, path);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString())).toEqual({ status: 'ok', service: 'otlp-gateway' });
    }
  });
});
