import { gzipSync } from 'node:zlib';
import type { RunningService } from '@obs/service-kit';
import { TestClock } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getTrace,
  type ExportResponse,
  ingester,
  newSpanId,
  newTraceId,
  otlpBody,
  resourceAttributes,
  sendSpans,
  startTraceService,
  uniqueTenant,
} from '../../test/trace-test-kit.js';

// Assembly is global across tenants: this suite's clock is later than the assembling suites',
// so their runs never find its traces due and its `assembling` reads hold.
const clock = new TestClock(Date.parse('2040-01-01T00:00:00.000Z'));
const T0 = clock.nowMs - 60_000;
let service: RunningService;

beforeAll(async () => {
  service = await startTraceService({ clock });
});
afterAll(async () => {
  await service.close();
});

async function spanCount(tenantId: string): Promise<number> {
  const [row]: { n: string }[] = await service.ctx.dataSource.query(
    `SELECT count(*) AS n FROM ${service.ctx.table('spans')} WHERE tenant_id = $1`,
    [tenantId],
  );
  return Number(row?.n);
}

describe('POST /v1/traces', () => {
  it('stores the spans of an OTLP/JSON batch; the trace reads back as assembling', async () => {
    const tenant = uniqueTenant('ingest');
    const traceId = newTraceId();
    const root = newSpanId();
    const res = await sendSpans(
      service,
      tenant,
      otlpBody(resourceAttributes(tenant), [
        { traceId, spanId: root, name: 'GET /cart', startMs: T0, durationMs: 100 },
        {
          traceId,
          spanId: newSpanId(),
          parentSpanId: root,
          name: 'SELECT cart',
          startMs: T0 + 10,
          durationMs: 20,
          attributes: { 'db.system': 'postgresql', rows: 3 },
          events: [{ name: 'cache miss', atMs: T0 + 12 }],
        },
      ]),
    );
    expect(res).toEqual({});
    const trace = await getTrace(service, tenant, traceId);
    expect(trace).toMatchObject({
      status: 'assembling',
      version: 0,
      rootSpanId: root,
      rootSpanName: 'GET /cart',
      spanCount: 2,
      durationMs: 100,
    });
    expect(trace.spans.map((s) => [s.name, s.depth])).toEqual([
      ['GET /cart', 0],
      ['SELECT cart', 1],
    ]);
    expect(trace.spans[1]).toMatchObject({
      attributes: { 'db.system': 'postgresql', rows: 3 },
      events: [{ name: 'cache miss', timestamp: new Date(T0 + 12).toISOString() }],
    });
  });

  it('keeps U+0000 or a lone surrogate anywhere from failing the batch (stored as U+FFFD)', async () => {
    const tenant = uniqueTenant('ingest-nul');
    const traceId = newTraceId();
    const res = await sendSpans(
      service,
      tenant,
      otlpBody(resourceAttributes(tenant, { 'module.id': 'pay\u0000ments\ud800' }), [
        {
          traceId,
          spanId: newSpanId(),
          name: 'GET /c\u0000art',
          startMs: T0,
          durationMs: 5,
          attributes: { 'k\u0000': 'v\udc00' },
        },
      ]),
    );
    expect(res).toEqual({});
    const trace = await getTrace(service, tenant, traceId);
    expect(trace).toMatchObject({
      rootSpanName: 'GET /c\uFFFDart',
      dimensions: { moduleId: 'pay\uFFFDments\uFFFD' },
    });
    expect(trace.spans[0]?.attributes).toEqual({ 'k\uFFFD': 'v\uFFFD' });
  });

  it('names the missing dimension attributes in partialSuccess and stores nothing of them', async () => {
    const tenant = uniqueTenant('missing');
    const resource = resourceAttributes(tenant, {
      'cloud.region': undefined,
      'agent.id': undefined,
    });
    const res = await sendSpans(
      service,
      tenant,
      otlpBody(resource, [
        { traceId: newTraceId(), spanId: newSpanId(), startMs: T0, durationMs: 1 },
        { traceId: newTraceId(), spanId: newSpanId(), startMs: T0, durationMs: 1 },
      ]),
    );
    expect(res.partialSuccess?.rejectedSpans).toBe(2);
    expect(res.partialSuccess?.errorMessage).toContain('agent.id');
    expect(res.partialSuccess?.errorMessage).toContain('cloud.region');
    expect(await spanCount(tenant)).toBe(0);
  });

  it("refuses spans whose tenant.id is not the token's tenant, naming it, and stores nothing", async () => {
    const tenant = uniqueTenant('a');
    const other = uniqueTenant('b');
    const res = await sendSpans(
      service,
      tenant,
      otlpBody(resourceAttributes(other), [
        { traceId: newTraceId(), spanId: newSpanId(), startMs: T0, durationMs: 1 },
      ]),
    );
    expect(res.partialSuccess).toMatchObject({ rejectedSpans: 1 });
    expect(res.partialSuccess?.errorMessage).toContain(`tenant.id '${other}'`);
    expect(await spanCount(tenant)).toBe(0);
    expect(await spanCount(other)).toBe(0);
  });

  it('accepts a gzip body and base64 ids, and refuses one bad span among good ones', async () => {
    const tenant = uniqueTenant('gzip');
    const traceId = newTraceId();
    const spanId = newSpanId();
    const body = otlpBody(resourceAttributes(tenant), [
      { traceId, spanId, startMs: T0, durationMs: 5 },
      { traceId, spanId: newSpanId(), name: '  ', startMs: T0, durationMs: 5 },
    ]);
    const span = body.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    span.traceId = Buffer.from(traceId, 'hex').toString('base64');
    span.spanId = Buffer.from(spanId, 'hex').toString('base64');
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: {
        ...ingester(tenant),
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      payload: gzipSync(JSON.stringify(body)),
    });
    expect(res.statusCode, res.body).toBe(200);
    const answer = res.json<ExportResponse>();
    expect(answer.partialSuccess?.rejectedSpans).toBe(1);
    expect(answer.partialSuccess?.errorMessage).toContain('spans[1]: name');
    expect((await getTrace(service, tenant, traceId)).rootSpanId).toBe(spanId);
  });

  it('answers a body that does not parse with 400 and a google.rpc.Status', async () => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { ...ingester(uniqueTenant('bad')), 'content-type': 'application/json' },
      payload: '{"resourceSpans": [{"scopeSpans": "nope"}]}',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.json<{ code: number; message: string }>()).toMatchObject({ code: 3 });
    expect(res.json<{ message: string }>().message).toContain('scopeSpans');
  });
});

describe('a full store', () => {
  it('answers 503 with Retry-After while the assembly backlog is full', async () => {
    const full = await startTraceService({ clock, config: { maxPendingTraces: 1 } });
    try {
      const tenant = uniqueTenant('full');
      const batch = () =>
        otlpBody(resourceAttributes(tenant), [
          { traceId: newTraceId(), spanId: newSpanId(), startMs: T0, durationMs: 1 },
        ]);
      // Another suite's pending traces may already fill the backlog of one; either way the
      // second batch meets a full store.
      await full.app.inject({
        method: 'POST',
        url: '/v1/traces',
        headers: { ...ingester(tenant), 'content-type': 'application/json' },
        payload: JSON.stringify(batch()),
      });
      const res = await full.app.inject({
        method: 'POST',
        url: '/v1/traces',
        headers: { ...ingester(tenant), 'content-type': 'application/json' },
        payload: JSON.stringify(batch()),
      });
      expect(res.statusCode).toBe(503);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(res.json()).toMatchObject({ code: 14 });
    } finally {
      await full.close();
    }
  });
});
