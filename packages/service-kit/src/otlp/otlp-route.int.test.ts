import { Validator } from '@seriousme/openapi-schema-validator';
import { context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../build-service.js';
import { bearer, expectProblem, startTestService } from '../testing/index.js';
import { otlpFixtureService, type OtlpFixture } from '../../test/otlp-fixture.service.js';
import { otlpTypes, statusType } from './otlp-schema.js';

/** The value at a path of a parsed JSON document (undefined where the path is missing). */
function dig(value: unknown, ...keys: string[]): unknown {
  return keys.reduce<unknown>(
    (node, key) =>
      typeof node === 'object' && node !== null
        ? (node as Record<string, unknown>)[key]
        : undefined,
    value,
  );
}
const keysOf = (value: unknown) => Object.keys(value as object).sort();

const TENANT = 'tenant-otlp';
const ingest = bearer(TENANT, ['ingest']);
const fixture: OtlpFixture = { received: [], next: { rejected: 0 } };
let service: RunningService;
let url: string;

beforeAll(async () => {
  service = await startTestService(otlpFixtureService(fixture), { kafka: false });
  await service.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(service.app.server.address() as { port: number }).port}/v1/traces`;
});
afterAll(async () => service.close());

/** Two real spans (a root and its child) from the SDK, kept in memory to export by hand. */
function recordSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'tenant.id': TENANT }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('otlp-route-test');
  const root = tracer.startSpan('GET /cart', { kind: 1 });
  const child = tracer.startSpan('SELECT cart', {}, trace.setSpan(context.active(), root));
  child.end();
  root.end();
  return memory.getFinishedSpans();
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]) {
  return new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(spans, resolve));
}

async function post(body: Buffer | string, headers: Record<string, string>) {
  return service.app.inject({ method: 'POST', url: '/v1/traces', payload: body, headers });
}

describe('the kit OTLP/HTTP traces route, with the real SDK exporters', () => {
  it('takes OTLP/JSON from the unmodified exporter and hands over hex ids, integer enums and string times', async () => {
    fixture.received.length = 0;
    fixture.next = { rejected: 0 };
    const spans = recordSpans();
    const exporter = new JsonExporter({ url, headers: { authorization: ingest.authorization } });
    expect(await exportWith(exporter, spans)).toMatchObject({ code: 0 });
    const got = fixture.received[0]?.resourceSpans?.[0];
    const sent = got?.scopeSpans?.[0]?.spans ?? [];
    expect(sent.map((s) => s.spanId).sort()).toEqual(
      spans.map((s) => s.spanContext().spanId).sort(),
    );
    const child = sent.find((s) => s.name === 'SELECT cart');
    const root = sent.find((s) => s.name === 'GET /cart');
    expect(child?.traceId).toBe(spans[0]?.spanContext().traceId);
    expect(child?.parentSpanId).toBe(root?.spanId);
    expect(root?.parentSpanId).toBeUndefined();
    expect(root?.kind).toBe(2); // SpanKind.SERVER (1 in the API) is 2 on the wire
    expect(root?.startTimeUnixNano).toMatch(/^[0-9]{19}$/);
    expect(got?.resource?.attributes).toContainEqual({
      key: 'tenant.id',
      value: { stringValue: TENANT },
    });
  });

  it('takes gzip protobuf from the protobuf exporter and normalises it the same way', async () => {
    fixture.received.length = 0;
    const spans = recordSpans();
    const exporter = new ProtobufExporter({
      url,
      headers: { authorization: ingest.authorization },
      compression: CompressionAlgorithm.GZIP,
    });
    expect(await exportWith(exporter, spans)).toMatchObject({ code: 0 });
    const sent = fixture.received[0]?.resourceSpans?.[0]?.scopeSpans?.[0]?.spans ?? [];
    expect(sent.map((s) => s.traceId)).toEqual(spans.map((s) => s.spanContext().traceId));
    expect(sent.find((s) => s.name === 'GET /cart')?.kind).toBe(2);
    expect(sent.every((s) => /^[0-9]{19}$/.test(s.endTimeUnixNano ?? ''))).toBe(true);
  });

  it('answers partialSuccess in the request encoding', async () => {
    fixture.next = { rejected: 2, errorMessage: 'missing resource attributes: project.id' };
    const json = await post(JSON.stringify({ resourceSpans: [] }), {
      ...ingest,
      'content-type': 'application/json',
    });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toEqual({
      partialSuccess: { rejectedSpans: 2, errorMessage: 'missing resource attributes: project.id' },
    });
    const proto = await post(Buffer.alloc(0), {
      ...ingest,
      'content-type': 'application/x-protobuf',
    });
    expect(proto.headers['content-type']).toBe('application/x-protobuf');
    const { response } = otlpTypes('traces');
    expect(response.toObject(response.decode(proto.rawPayload), { longs: Number })).toEqual({
      partialSuccess: { rejectedSpans: 2, errorMessage: 'missing resource attributes: project.id' },
    });
    fixture.next = { rejected: 0 };
    const ok = await post('{}', { ...ingest, 'content-type': 'application/json' });
    expect(ok.json()).toEqual({});
  });

  it('normalises base64 ids and enum names in JSON, and keeps unknown fields out', async () => {
    fixture.received.length = 0;
    const traceId = Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex').toString('base64');
    const body = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId: 'B7AD6B7169203331',
                  parent_span_id: '',
                  kind: 'SPAN_KIND_CLIENT',
                  startTimeUnixNano: 1714550400000000000,
                  status: { code: 'STATUS_CODE_ERROR' },
                  somethingNew: { x: 1 },
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await post(JSON.stringify(body), { ...ingest, 'content-type': 'application/json' });
    expect(res.statusCode).toBe(200);
    expect(fixture.received[0]?.resourceSpans?.[0]?.scopeSpans?.[0]?.spans?.[0]).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      kind: 3,
      startTimeUnixNano: '1714550400000000000',
      status: { code: 2 },
    });
  });

  it('answers 400 with a google.rpc.Status, in the request content type, for a body that does not parse', async () => {
    const badJson = await post('{"resourceSpans": [', {
      ...ingest,
      'content-type': 'application/json',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toMatchObject({ code: 3 });
    expect(typeof badJson.json<{ message: unknown }>().message).toBe('string');

    const badId = await post(
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'abc' }] }] }] }),
      { ...ingest, 'content-type': 'application/json' },
    );
    expect(badId.statusCode).toBe(400);
    expect(badId.json<{ message: string }>().message).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 32 hex characters',
    );

    const badProto = await post(Buffer.from([0x0a, 0xff, 0xff, 0xff]), {
      ...ingest,
      'content-type': 'application/x-protobuf',
    });
    expect(badProto.statusCode).toBe(400);
    expect(badProto.headers['content-type']).toBe('application/x-protobuf');
    const status = statusType();
    expect(status.toObject(status.decode(badProto.rawPayload))).toMatchObject({ code: 3 });

    const badGzip = await post(Buffer.from('not gzip at all'), {
      ...ingest,
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(badGzip.statusCode).toBe(400);
    expect(badGzip.json()).toEqual({ code: 3, message: 'body is not valid gzip' });
  });

  it('decompresses gzip JSON, and applies the body limit to the decompressed bytes', async () => {
    fixture.received.length = 0;
    const small = gzipSync(JSON.stringify({ resourceSpans: [{ scopeSpans: [] }] }));
    const ok = await post(small, {
      ...ingest,
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(ok.statusCode).toBe(200);
    expect(fixture.received).toHaveLength(1);
    const bomb = gzipSync(Buffer.from(`{"resourceSpans":[],"pad":"${'x'.repeat(2_000_000)}"}`));
    expect(bomb.length).toBeLessThan(100_000);
    const refused = await post(bomb, {
      ...ingest,
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expectProblem(refused, 413, 'body_too_large');
  });

  it('answers 503 with Retry-After when the store is full', async () => {
    fixture.next = 'full';
    const res = await post('{}', { ...ingest, 'content-type': 'application/json' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.json()).toMatchObject({ code: 14 });
    fixture.next = { rejected: 0 };
  });

  it('refuses other content types and encodings (415), no token (401) and a token without ingest (403)', async () => {
    expectProblem(
      await post('<x/>', { ...ingest, 'content-type': 'application/xml' }),
      415,
      'unsupported_media_type',
    );
    expectProblem(
      await post('{}', { ...ingest, 'content-type': 'application/json', 'content-encoding': 'br' }),
      415,
      'unsupported_content_encoding',
    );
    expectProblem(await post('{}', { 'content-type': 'application/json' }), 401, 'unauthorized');
    expectProblem(
      await post('{}', {
        ...bearer(TENANT, ['read', 'write']),
        'content-type': 'application/json',
      }),
      403,
      'missing_scope',
    );
  });

  it('documents both encodings, the Status errors and 503 in the OpenAPI document', async () => {
    const res = await service.app.inject({ url: '/docs/json' });
    expect(res.statusCode, res.body).toBe(200);
    const doc = res.json<Record<string, unknown>>();
    const validation = await new Validator().validate(doc);
    expect(validation.errors).toBeUndefined();
    expect(validation.valid).toBe(true);
    const op = dig(doc, 'paths', '/v1/traces', 'post');
    expect(keysOf(dig(op, 'requestBody', 'content'))).toEqual([
      'application/json',
      'application/x-protobuf',
    ]);
    expect(keysOf(dig(op, 'responses'))).toEqual([
      '200',
      '400',
      '401',
      '403',
      '413',
      '415',
      '429',
      '503',
    ]);
    expect(keysOf(dig(op, 'responses', '400', 'content'))).toEqual([
      'application/json',
      'application/x-protobuf',
    ]);
    const span = dig(
      op,
      ...'requestBody content application/json schema properties resourceSpans items properties scopeSpans items properties spans items properties'.split(
        ' ',
      ),
    );
    expect(dig(span, 'traceId', 'pattern')).toBe('^([0-9a-fA-F]{32})?$');
    expect(dig(span, 'kind', 'enum')).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
