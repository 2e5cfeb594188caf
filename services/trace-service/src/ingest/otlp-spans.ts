import type { TraceStatus } from '@obs/domain';
import {
  resourceDimensions,
  storableText,
  type OtlpSpan,
  type OtlpTracesRequest,
} from '@obs/service-kit';
import type {
  SpanDetail,
  StoredSpan,
  StoredSpanEvent,
  StoredSpanLink,
} from '../span-store/span-store.port.js';
import { attributeTypesOf, spanAttributesOf } from './span-attributes.js';

const TRACE_ID = /^(?!0{32}$)[0-9a-f]{32}$/;
const SPAN_ID = /^(?!0{16}$)[0-9a-f]{16}$/;
const ZERO_SPAN_ID = '0000000000000000';
/** The domain's limit on span and event names. */
const MAX_NAME_LENGTH = 1024;
const NS_PER_MS = 1e6;
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const MAX_SAFE_NS = BigInt(Number.MAX_SAFE_INTEGER);

/** The resource as every span of it keeps it (one object per resource, shared by its spans). */
interface ResourceDetail {
  readonly resource: SpanDetail['resource'];
  readonly resourceTypes?: SpanDetail['resourceTypes'];
}

export interface ParsedSpans {
  readonly spans: StoredSpan[];
  readonly rejected: number;
  /** One reason per refused group (a resource, or a span), for partialSuccess.errorMessage. */
  readonly reasons: string[];
}

const STATUS_BY_CODE: readonly TraceStatus[] = ['unset', 'ok', 'error'];

/**
 * OTLP spans (normalised by the kit: hex ids, decimal 64-bit strings, integer enums) → span rows.
 * A resource without the eleven dimension attributes, or naming another tenant, is refused whole
 * (every span of it counted in rejectedSpans); a single span is refused when the domain could
 * never hold it (no valid ids, no start or end, an end before its start, an empty name).
 */
export function parseOtlpSpans(request: OtlpTracesRequest, tenantId: string): ParsedSpans {
  const spans: StoredSpan[] = [];
  const reasons: string[] = [];
  let rejected = 0;
  (request.resourceSpans ?? []).forEach((resourceSpans, r) => {
    const scopes = resourceSpans.scopeSpans ?? [];
    const dims = resourceDimensions(resourceSpans.resource?.attributes, tenantId);
    if (!dims.ok) {
      const count = scopes.reduce((n, scope) => n + (scope.spans?.length ?? 0), 0);
      if (count > 0) {
        rejected += count;
        reasons.push(`resourceSpans[${r}]: ${dims.reason}`);
      }
      return;
    }
    const dimensions = dims.dimensions;
    const service = storableText(dimensions.service);
    const resourceTypes = attributeTypesOf(resourceSpans.resource?.attributes);
    const resource: ResourceDetail = {
      resource: spanAttributesOf(resourceSpans.resource?.attributes),
      ...(resourceTypes === undefined ? {} : { resourceTypes }),
    };
    scopes.forEach((scope, s) => {
      (scope.spans ?? []).forEach((span, i) => {
        const refused = refusal(span);
        if (refused !== undefined) {
          rejected += 1;
          reasons.push(`resourceSpans[${r}].scopeSpans[${s}].spans[${i}]: ${refused}`);
          return;
        }
        spans.push(toStoredSpan(span, tenantId, service, dimensions, resource, scope.scope));
      });
    });
  });
  return { spans, rejected, reasons };
}

function refusal(span: OtlpSpan): string | undefined {
  if (span.traceId === undefined || !TRACE_ID.test(span.traceId)) {
    return 'traceId is missing or all zeros';
  }
  if (span.spanId === undefined || !SPAN_ID.test(span.spanId)) {
    return 'spanId is missing or all zeros';
  }
  if (span.startTimeUnixNano === undefined || span.endTimeUnixNano === undefined) {
    return 'startTimeUnixNano and endTimeUnixNano are required';
  }
  if (BigInt(span.endTimeUnixNano) < BigInt(span.startTimeUnixNano)) {
    return 'endTimeUnixNano is before startTimeUnixNano';
  }
  const name = span.name ?? '';
  if (name.trim() === '' || name.length > MAX_NAME_LENGTH) {
    return `name must be 1-${MAX_NAME_LENGTH} characters, not blank`;
  }
  for (const event of span.events ?? []) {
    const eventName = event.name ?? '';
    if (eventName.trim() === '' || eventName.length > MAX_NAME_LENGTH) {
      return `event names must be 1-${MAX_NAME_LENGTH} characters, not blank`;
    }
  }
  return undefined;
}

function toStoredSpan(
  span: OtlpSpan,
  tenantId: string,
  service: string,
  dimensions: StoredSpan['dimensions'],
  resource: ResourceDetail,
  scope: { name?: string; version?: string } | undefined,
): StoredSpan {
  const startNs = Number(span.startTimeUnixNano);
  const endNs = Number(span.endTimeUnixNano);
  const startMs = Math.floor(startNs / NS_PER_MS);
  const parent = span.parentSpanId;
  const code = span.status?.code ?? 0;
  return {
    tenantId,
    traceId: span.traceId as string,
    spanId: span.spanId as string,
    parentSpanId: parent === undefined || parent === '' || parent === ZERO_SPAN_ID ? null : parent,
    name: storableText(span.name as string),
    kind: span.kind !== undefined && span.kind >= 0 && span.kind <= 5 ? span.kind : 0,
    startMs,
    // Against the millisecond start, so start + duration is the true end.
    durationMs: Math.max(0, endNs / NS_PER_MS - startMs),
    status: STATUS_BY_CODE[code] ?? 'unset',
    statusMessage:
      span.status?.message === undefined || span.status.message === ''
        ? null
        : storableText(span.status.message),
    service,
    dimensions,
    attributes: spanAttributesOf(span.attributes),
    events: (span.events ?? []).map((event): StoredSpanEvent => ({
      timestamp: new Date(
        Math.floor(Number(event.timeUnixNano ?? span.startTimeUnixNano) / NS_PER_MS),
      ).toISOString(),
      name: storableText(event.name as string),
      attributes: spanAttributesOf(event.attributes),
    })),
    detail: detailOf(span, resource, scope),
  };
}

/** Microseconds of an OTLP nanosecond time (a decimal string), truncated as Jaeger does. */
const microsOf = (ns: string | undefined): number =>
  ns === undefined ? 0 : Number(BigInt(ns) / 1000n);

function detailOf(
  span: OtlpSpan,
  resource: ResourceDetail,
  scope: { name?: string; version?: string } | undefined,
): SpanDetail {
  const durationNs =
    BigInt(span.endTimeUnixNano as string) - BigInt(span.startTimeUnixNano as string);
  const attributeTypes = attributeTypesOf(span.attributes);
  const links = (span.links ?? []).flatMap((link): StoredSpanLink[] =>
    link.traceId !== undefined &&
    HEX32.test(link.traceId) &&
    link.spanId !== undefined &&
    HEX16.test(link.spanId)
      ? [{ traceId: link.traceId, spanId: link.spanId, refType: refTypeOf(link.attributes) }]
      : [],
  );
  const events = (span.events ?? []).map((event) => {
    const types = attributeTypesOf(event.attributes);
    return { timeUs: microsOf(event.timeUnixNano), ...(types === undefined ? {} : { types }) };
  });
  const subUs = Number(BigInt(span.startTimeUnixNano as string) % 1000n);
  return {
    startUs: microsOf(span.startTimeUnixNano),
    ...(subUs === 0 ? {} : { startSubUsNs: subUs }),
    durationNs: Number(durationNs > MAX_SAFE_NS ? MAX_SAFE_NS : durationNs),
    ...resource,
    ...(attributeTypes === undefined ? {} : { attributeTypes }),
    ...(scope?.name ? { scopeName: storableText(scope.name) } : {}),
    ...(scope?.version ? { scopeVersion: storableText(scope.version) } : {}),
    ...(span.traceState ? { traceState: storableText(span.traceState) } : {}),
    ...(links.length === 0 ? {} : { links }),
    ...(events.length === 0 ? {} : { events }),
  };
}

/** OpenTracing's convention, which Jaeger's translator reads: child_of, else follows_from. */
function refTypeOf(attributes: OtlpSpan['attributes']): StoredSpanLink['refType'] {
  const refType = attributes?.find((a) => a.key === 'opentracing.ref_type')?.value?.stringValue;
  return refType === 'child_of' ? 'CHILD_OF' : 'FOLLOWS_FROM';
}
