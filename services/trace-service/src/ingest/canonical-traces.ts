import { otlpTypes, type OtlpTracesRequest } from '@obs/service-kit';

/*
 * The canonical OTLP/JSON form of ExportTraceServiceRequest, as the kit's normalisation leaves it:
 * lowerCamelCase names only, ids lowercase hex of their exact length, 64-bit integers decimal
 * strings, enums integers, no nulls. A body in this form is the kit's output already, so it can
 * skip the kit's copy. Anything unusual answers false, and the kit's generic path takes the body.
 */

type Json = Record<string, unknown>;
type Check = (value: unknown) => boolean;

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const UINT64 = /^[0-9]{1,19}$/;
// No leading zeros and no -0: the kit would rewrite those, so they are not canonical.
const INT64 = /^(0|-?[1-9][0-9]{0,17})$/;
const UINT32_MAX = 0xffffffff;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const string: Check = (v) => typeof v === 'string';
const uint32: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= UINT32_MAX;
const int32: Check = (v) =>
  Number.isInteger(v) && (v as number) >= -0x80000000 && (v as number) <= 0x7fffffff;
const fixed64: Check = (v) => typeof v === 'string' && UINT64.test(v);
const hex32: Check = (v) => typeof v === 'string' && HEX32.test(v);
const hex16: Check = (v) => typeof v === 'string' && HEX16.test(v);
const arrayOf =
  (item: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(item);

/** A message: every key known (else false, so snake_case and odd fields go the kit's way). */
function message(fields: Readonly<Record<string, Check>>): Check {
  // A Map, so a body key such as __proto__ or constructor finds nothing instead of Object's own.
  const checks = new Map(Object.entries(fields));
  return (value) => {
    if (!isObject(value)) return false;
    for (const key of Object.keys(value)) {
      const check = checks.get(key);
      if (check === undefined || !check(value[key])) return false;
    }
    return true;
  };
}

// AnyValue nests through arrays and kvlists: checks are looked up lazily.
const anyValue: Check = (v) => anyValueMessage(v);
const keyValue: Check = (v) => keyValueMessage(v);
const anyValueMessage = message({
  stringValue: string,
  boolValue: (v) => typeof v === 'boolean',
  intValue: (v) => typeof v === 'string' && INT64.test(v),
  doubleValue: (v) => typeof v === 'number',
  arrayValue: message({ values: arrayOf(anyValue) }),
  kvlistValue: message({ values: arrayOf(keyValue) }),
  bytesValue: string,
});
const keyValueMessage = message({ key: string, value: anyValue });
const attributes = arrayOf(keyValue);

const span = message({
  traceId: hex32,
  spanId: hex16,
  traceState: string,
  parentSpanId: hex16,
  flags: uint32,
  name: string,
  kind: int32,
  startTimeUnixNano: fixed64,
  endTimeUnixNano: fixed64,
  attributes,
  droppedAttributesCount: uint32,
  events: arrayOf(
    message({
      timeUnixNano: fixed64,
      name: string,
      attributes,
      droppedAttributesCount: uint32,
    }),
  ),
  droppedEventsCount: uint32,
  links: arrayOf(
    message({
      traceId: hex32,
      spanId: hex16,
      traceState: string,
      attributes,
      droppedAttributesCount: uint32,
      flags: uint32,
    }),
  ),
  droppedLinksCount: uint32,
  status: message({ message: string, code: int32 }),
});

const request = message({
  resourceSpans: arrayOf(
    message({
      resource: message({ attributes, droppedAttributesCount: uint32 }),
      scopeSpans: arrayOf(
        message({
          scope: message({
            name: string,
            version: string,
            attributes,
            droppedAttributesCount: uint32,
          }),
          spans: arrayOf(span),
          schemaUrl: string,
        }),
      ),
      schemaUrl: string,
    }),
  ),
});

/** True when the parsed body is already in the form the kit would normalise it to. */
export function isCanonicalTraces(raw: unknown): raw is OtlpTracesRequest {
  return request(raw);
}

const TRACES = otlpTypes('traces').request;
const ID_BYTES: Readonly<Record<string, number>> = { traceId: 16, spanId: 8, parentSpanId: 8 };

/** base64 of exactly `bytes` bytes as lowercase hex; undefined for anything else. */
function hexOf(base64: unknown, bytes: number): string | undefined {
  if (typeof base64 !== 'string') return undefined;
  const decoded = Buffer.from(base64, 'base64');
  return decoded.length === bytes ? decoded.toString('hex') : undefined;
}

/** Rewrites the ids of one span or link in place; false when one is not of its exact length. */
function idsToHex(item: Json): boolean {
  for (const [field, bytes] of Object.entries(ID_BYTES)) {
    if (!(field in item)) continue;
    if (item[field] === '') {
      delete item[field]; // an empty id is absent, as the kit has it
      continue;
    }
    const hex = hexOf(item[field], bytes);
    if (hex === undefined) return false;
    item[field] = hex;
  }
  return true;
}

/**
 * A protobuf ExportTraceServiceRequest as the canonical JSON form: decoded and turned into an
 * object exactly as the kit does (longs as strings, enums as numbers, bytes as base64), then only
 * the span and link ids go from base64 to hex. Undefined when an id has the wrong length (the
 * kit's path then answers the 400); a body that does not decode throws (likewise).
 */
export function canonicalFromProtobuf(body: Buffer): unknown {
  const object = TRACES.toObject(TRACES.decode(body), {
    longs: String,
    enums: Number,
    bytes: String,
    defaults: false,
  }) as OtlpTracesRequest;
  for (const resourceSpans of object.resourceSpans ?? []) {
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        if (!idsToHex(span as Json)) return undefined;
        for (const link of span.links ?? []) if (!idsToHex(link as Json)) return undefined;
      }
    }
  }
  return object;
}
