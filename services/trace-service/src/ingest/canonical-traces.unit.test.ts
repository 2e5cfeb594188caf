import fc from 'fast-check';
import { normalizeMessage, otlpTypes } from '@obs/service-kit';
import { describe, expect, it } from 'vitest';
import { canonicalFromProtobuf, isCanonicalTraces } from './canonical-traces.js';
import { parseOtlpSpans } from './otlp-spans.js';

const TRACES = otlpTypes('traces').request;
const RESOURCE = [
  ['tenant.id', 't1'],
  ['project.id', 'p'],
  ['module.id', 'm'],
  ['artifact.id', 'a'],
  ['execution.id', 'e'],
  ['agent.id', 'none'],
  ['service.name', 's'],
  ['service.version', '1'],
  ['deployment.environment.name', 'prod'],
  ['cloud.region', 'eu'],
  ['telemetry.origin', 'agent'],
].map(([key, value]) => ({ key, value: { stringValue: value } }));

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${n}}$`));
const int64 = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  fc.constantFrom('007', '-0', '', 'x'),
  fc.integer(),
);
const value = fc.oneof(
  fc.record({ stringValue: fc.string() }),
  fc.record({ intValue: int64 }),
  fc.record({ doubleValue: fc.oneof(fc.double(), fc.constant('NaN')) }),
  fc.record({ boolValue: fc.boolean() }),
  fc.record({
    arrayValue: fc.record({ values: fc.array(fc.record({ stringValue: fc.string() })) }),
  }),
  fc.record({
    kvlistValue: fc.record({
      values: fc.array(fc.record({ key: fc.string(), value: fc.record({ intValue: int64 }) })),
    }),
  }),
);
const time = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  fc.constant('0012'),
  fc.nat(),
);
const spanArb = fc.record(
  {
    traceId: fc.oneof(hex(32), fc.constant('')),
    spanId: hex(16),
    parentSpanId: fc.oneof(hex(16), fc.constant('')),
    name: fc.string(),
    kind: fc.oneof(fc.integer({ min: -1, max: 7 }), fc.constant('SPAN_KIND_SERVER')),
    startTimeUnixNano: time,
    endTimeUnixNano: time,
    attributes: fc.array(fc.record({ key: fc.string(), value })),
    events: fc.array(fc.record({ name: fc.string(), timeUnixNano: time })),
    status: fc.record(
      { code: fc.integer({ min: 0, max: 3 }), message: fc.string() },
      { requiredKeys: [] },
    ),
    start_time_unix_nano: time,
  },
  { requiredKeys: ['traceId', 'spanId'] },
);

describe('isCanonicalTraces', () => {
  it('answers true only for bodies the kit would normalise to themselves (same spans either way)', () => {
    let canonical = 0;
    fc.assert(
      fc.property(fc.array(spanArb, { maxLength: 4 }), (spans) => {
        const body = {
          resourceSpans: [{ resource: { attributes: RESOURCE }, scopeSpans: [{ spans }] }],
        };
        if (!isCanonicalTraces(body)) return;
        canonical += 1;
        expect(parseOtlpSpans(body, 't1')).toEqual(
          parseOtlpSpans(normalizeMessage(TRACES, body), 't1'),
        );
      }),
      { numRuns: 500 },
    );
    expect(canonical).toBeGreaterThan(10);
  });

  it('leaves snake_case names, base64 ids, enum names and nulls to the kit', () => {
    const span = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'x' };
    const wrap = (s: object) => ({ resourceSpans: [{ scopeSpans: [{ spans: [s] }] }] });
    expect(isCanonicalTraces(wrap(span))).toBe(true);
    expect(isCanonicalTraces({ resource_spans: [] })).toBe(false);
    expect(isCanonicalTraces(JSON.parse('{"__proto__":{}}'))).toBe(false);
    expect(isCanonicalTraces({ constructor: [] })).toBe(false);
    expect(
      isCanonicalTraces(wrap({ ...span, traceId: Buffer.alloc(16, 1).toString('base64') })),
    ).toBe(false);
    expect(isCanonicalTraces(wrap({ ...span, traceId: 'A'.repeat(32) }))).toBe(false);
    expect(isCanonicalTraces(wrap({ ...span, kind: 'SPAN_KIND_SERVER' }))).toBe(false);
    expect(isCanonicalTraces(wrap({ ...span, name: null }))).toBe(false);
    expect(isCanonicalTraces(wrap({ ...span, startTimeUnixNano: 5 }))).toBe(false);
  });
});

describe('canonicalFromProtobuf', () => {
  it('stores the same spans as the kit decoding the same protobuf body', () => {
    const b64 = (hex: unknown) => Buffer.from(String(hex), 'hex').toString('base64');
    let compared = 0;
    fc.assert(
      fc.property(fc.array(spanArb, { maxLength: 4 }), (spans) => {
        const body = {
          resourceSpans: [{ resource: { attributes: RESOURCE }, scopeSpans: [{ spans }] }],
        };
        if (!isCanonicalTraces(body)) return;
        const wire = structuredClone(body) as unknown as {
          resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[];
        };
        for (const span of wire.resourceSpans[0]?.scopeSpans[0]?.spans ?? []) {
          for (const id of ['traceId', 'spanId', 'parentSpanId'])
            if (id in span) span[id] = b64(span[id]);
        }
        const bytes = Buffer.from(TRACES.encode(TRACES.fromObject(wire)).finish());
        const kit = normalizeMessage(
          TRACES,
          TRACES.toObject(TRACES.decode(bytes), {
            longs: String,
            enums: Number,
            bytes: String,
            defaults: false,
          }),
        );
        const fast = canonicalFromProtobuf(bytes);
        if (fast === undefined || !isCanonicalTraces(fast)) return;
        compared += 1;
        expect(parseOtlpSpans(fast, 't1')).toEqual(parseOtlpSpans(kit, 't1'));
      }),
      { numRuns: 300 },
    );
    expect(compared).toBeGreaterThan(10);
  });
});
