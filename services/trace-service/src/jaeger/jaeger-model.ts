import type { AttributeValue } from '@obs/domain';
import type {
  AttributeTypes,
  SequencedSpan,
  SpanDetail,
  StoredSpanLink,
} from '../span-store/span-store.port.js';
import { formatGoDuration } from './go-duration.js';

/*
 * Spans in Jaeger's JSON model (the one its query API answers, internal/uimodel in
 * jaegertracing/jaeger), as Jaeger v1.75 builds it from OTLP: the OpenTelemetry Collector's
 * OTLP→Jaeger translator (pkg/translator/jaeger), then the query service's standard adjusters
 * (tags sorted, parent reference first, OpenTelemetry SDK tags on the process, integer IPs as
 * text, clock-skew warnings with adjustment disabled, its default).
 */

export type JaegerValueType = 'string' | 'bool' | 'int64' | 'float64' | 'binary';

export interface JaegerKeyValue {
  key: string;
  type: JaegerValueType;
  value: string | number | boolean;
}

export interface JaegerReference {
  refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  traceID: string;
  spanID: string;
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: JaegerReference[];
  /** Microseconds since the epoch. */
  startTime: number;
  /** Microseconds. */
  duration: number;
  tags: JaegerKeyValue[];
  logs: { timestamp: number; fields: JaegerKeyValue[] }[];
  processID: string;
  warnings: string[] | null;
}

export interface JaegerProcess {
  serviceName: string;
  tags: JaegerKeyValue[];
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, JaegerProcess>;
  warnings: string[] | null;
}

const SPAN_KINDS = ['', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
/** Span kind as the Jaeger API names it (`/operations?spanKind=`); '' for unspecified. */
export const jaegerSpanKind = (kind: number): string => SPAN_KINDS[kind] ?? '';
/** OTLP SpanKind of a Jaeger name ('' and `unspecified` are 0). */
export const otlpSpanKind = (name: string): number =>
  Math.max(0, SPAN_KINDS.indexOf(name as (typeof SPAN_KINDS)[number]));

/** Moved from the span's tags to its process by Jaeger's OTelTagAdjuster. */
const SDK_KEYS = new Set([
  'telemetry.sdk.language',
  'telemetry.sdk.name',
  'telemetry.sdk.version',
  'telemetry.distro.name',
  'telemetry.distro.version',
]);
/** Integer IPv4 tags Jaeger's IPTagAdjuster writes as dotted text. */
const IP_KEYS = new Set(['ip', 'peer.ipv4']);

/**
 * Jaeger's trace id text: model.TraceID.String() drops a zero high half, so a W3C id whose first
 * 16 hex digits are zeros prints as its last 16.
 */
export function jaegerTraceId(hex32: string): string {
  return hex32.startsWith('0000000000000000') ? hex32.slice(16) : hex32;
}

/** A trace id as the Jaeger API takes it (1-32 hex digits, any case) → the stored 32-digit form. */
export function traceIdFromJaeger(text: string): string {
  return text.toLowerCase().padStart(32, '0');
}

/** Go's encoding/json of a plain value: keys sorted, <, >, & and line separators escaped. */
function goJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** One attribute as a typed Jaeger key-value, the type from its hint or its JSON form. */
export function keyValueOf(
  key: string,
  value: AttributeValue,
  hint: AttributeTypes[string] | undefined,
): JaegerKeyValue {
  switch (hint) {
    case 'f':
      return { key, type: 'float64', value: typeof value === 'number' ? value : String(value) };
    case 'b':
      return { key, type: 'binary', value: String(value) };
    case 'i':
      return { key, type: 'int64', value: String(value) };
    case 'm':
      // Kept as JSON text: Go's map marshalling sorts the keys.
      return { key, type: 'string', value: reencode(String(value)) };
    case 'a':
      return { key, type: 'string', value: goJson(value) };
    case undefined:
      break;
  }
  if (Array.isArray(value)) return { key, type: 'string', value: goJson(value) };
  if (typeof value === 'boolean') return { key, type: 'bool', value };
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? { key, type: 'int64', value }
      : { key, type: 'float64', value };
  }
  return { key, type: 'string', value: value as string };
}

function reencode(json: string): string {
  try {
    return goJson(JSON.parse(json));
  } catch {
    return json;
  }
}

function keyValuesOf(
  attributes: Readonly<Record<string, AttributeValue>>,
  types: AttributeTypes | undefined,
): JaegerKeyValue[] {
  return Object.entries(attributes).map(([key, value]) => keyValueOf(key, value, types?.[key]));
}

const byKey = (a: JaegerKeyValue, b: JaegerKeyValue) =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : 0;

/** IPTagAdjuster: an integer `ip` or `peer.ipv4` becomes its dotted IPv4 text. */
function adjustIp(tag: JaegerKeyValue): JaegerKeyValue {
  if (!IP_KEYS.has(tag.key) || (tag.type !== 'int64' && tag.type !== 'float64')) return tag;
  const n = Math.trunc(Number(tag.value)) >>> 0;
  return { key: tag.key, type: 'string', value: dotted(n) };
}

const dotted = (n: number): string =>
  [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** The span's detail; for a span from a store without one, what its own fields say. */
export function detailOrDerived(span: SequencedSpan): SpanDetail {
  if (span.detail !== null) return span.detail;
  return {
    startUs: span.startMs * 1000,
    durationNs: Math.round(span.durationMs * 1e6),
    resource: { 'service.name': span.service },
  };
}

interface Converted {
  span: Omit<JaegerSpan, 'processID'>;
  process: JaegerProcess;
  /** Start in nanoseconds and duration, exact, for the clock-skew check. */
  startNs: bigint;
  durationNs: bigint;
  /** Jaeger's ParentSpanID(): the first CHILD_OF reference within the trace. */
  parentSpanId: string | null;
  hostKey: string;
}

function convert(span: SequencedSpan): Converted {
  const d = detailOrDerived(span);
  const traceID = jaegerTraceId(span.traceId);
  const tags: JaegerKeyValue[] = [];
  if (d.scopeName !== undefined)
    tags.push({ key: 'otel.scope.name', type: 'string', value: d.scopeName });
  if (d.scopeVersion !== undefined) {
    tags.push({ key: 'otel.scope.version', type: 'string', value: d.scopeVersion });
  }
  tags.push(...keyValuesOf(span.attributes, d.attributeTypes));
  const kind = jaegerSpanKind(span.kind);
  if (kind !== '') tags.push({ key: 'span.kind', type: 'string', value: kind });
  if (span.status === 'error') {
    tags.push({ key: 'otel.status_code', type: 'string', value: 'ERROR' });
    tags.push({ key: 'error', type: 'bool', value: true });
  } else if (span.status === 'ok') {
    tags.push({ key: 'otel.status_code', type: 'string', value: 'OK' });
  }
  if (span.statusMessage !== null) {
    tags.push({ key: 'otel.status_description', type: 'string', value: span.statusMessage });
  }
  if (d.traceState !== undefined) {
    tags.push({ key: 'w3c.tracestate', type: 'string', value: d.traceState });
  }

  const { 'service.name': serviceName, ...resource } = d.resource;
  const processTags = keyValuesOf(resource, d.resourceTypes);
  const spanTags = tags.filter((tag) => {
    if (!SDK_KEYS.has(tag.key)) return true;
    processTags.push(tag);
    return false;
  });

  const references = referencesOf(span, d.links ?? []);
  const parent = references.find((r) => r.refType === 'CHILD_OF' && r.traceID === traceID);
  const process: JaegerProcess = {
    serviceName: typeof serviceName === 'string' ? serviceName : span.service,
    tags: processTags.map(adjustIp).sort(byKey),
  };
  const startNs = BigInt(d.startUs) * 1000n + BigInt(d.startSubUsNs ?? 0);
  return {
    span: {
      traceID,
      spanID: span.spanId,
      operationName: span.name,
      references,
      startTime: d.startUs,
      duration: Math.floor(d.durationNs / 1000),
      tags: spanTags.map(adjustIp).sort(byKey),
      logs: span.events.map((event, i) => {
        const fields = keyValuesOf(event.attributes, d.events?.[i]?.types);
        if (event.name !== '' && !('event' in event.attributes)) {
          fields.unshift({ key: 'event', type: 'string', value: event.name });
        }
        return {
          timestamp: d.events?.[i]?.timeUs ?? Date.parse(event.timestamp) * 1000,
          fields: eventFirst(fields),
        };
      }),
      warnings: null,
    },
    process,
    startNs,
    durationNs: BigInt(d.durationNs),
    parentSpanId: parent?.spanID ?? null,
    hostKey: hostKeyOf(process),
  };
}

/** SortTagsAndLogFields: a string `event` field first, the others by key. */
function eventFirst(fields: JaegerKeyValue[]): JaegerKeyValue[] {
  const at = fields.findIndex((f) => f.key === 'event' && f.type === 'string');
  if (at < 0) return fields.sort(byKey);
  const [event] = fields.splice(at, 1) as [JaegerKeyValue];
  return [event, ...fields.sort(byKey)];
}

/**
 * The translator's references: the parent as CHILD_OF first, then each link (FOLLOWS_FROM unless
 * its opentracing.ref_type says child_of; a link to the parent retypes the parent's reference).
 * Then ParentReference: the first CHILD_OF within the trace (else its first reference) first.
 */
function referencesOf(span: SequencedSpan, links: readonly StoredSpanLink[]): JaegerReference[] {
  const traceID = jaegerTraceId(span.traceId);
  const refs: JaegerReference[] = [];
  if (span.parentSpanId !== null) {
    refs.push({ refType: 'CHILD_OF', traceID, spanID: span.parentSpanId });
  }
  for (const link of links) {
    const first = refs[0];
    if (
      span.parentSpanId !== null &&
      first !== undefined &&
      link.traceId === span.traceId &&
      link.spanId === span.parentSpanId
    ) {
      first.refType = link.refType;
      continue;
    }
    refs.push({ refType: link.refType, traceID: jaegerTraceId(link.traceId), spanID: link.spanId });
  }
  let swap = refs.findIndex((r) => r.traceID === traceID && r.refType === 'CHILD_OF');
  if (swap < 0) swap = refs.findIndex((r) => r.traceID === traceID);
  if (swap > 0) [refs[0], refs[swap]] = [refs[swap] as JaegerReference, refs[0] as JaegerReference];
  return refs;
}

/** The clock-skew adjuster's host: the process's `ip` tag. */
function hostKeyOf(process: JaegerProcess): string {
  const ip = process.tags.find((t) => t.key === 'ip');
  if (ip === undefined) return '';
  if (ip.type === 'string') return String(ip.value);
  if (ip.type === 'int64') return dotted(Number(ip.value) >>> 0);
  return '';
}

/**
 * Jaeger's ClockSkew adjuster with its default maximum of 0 (adjustment disabled): it changes no
 * time, but warns on each span that does not fit in its parent (from another host) with the
 * delta it would have applied, and on spans whose parent is not in the trace.
 */
function clockSkewWarnings(nodes: readonly Converted[]): Map<Converted, string[]> {
  const warnings = new Map<Converted, string[]>();
  const warn = (n: Converted, text: string) => warnings.set(n, [...(warnings.get(n) ?? []), text]);
  const byId = new Map(nodes.map((n) => [n.span.spanID, n]));
  const children = new Map<Converted, Converted[]>();
  const roots: Converted[] = [];
  for (const n of nodes) {
    const parent = n.parentSpanId === null ? undefined : byId.get(n.parentSpanId);
    if (n.parentSpanId === null) roots.push(n);
    else if (parent === undefined) {
      warn(n, `invalid parent span IDs=${n.parentSpanId}; skipping clock skew adjustment`);
      roots.push(n);
    } else children.set(parent, [...(children.get(parent) ?? []), n]);
  }
  const visit = (
    n: Converted,
    parent: Converted | undefined,
    skew: { host: string; delta: bigint },
  ) => {
    let current = skew;
    if (parent !== undefined && (n.hostKey !== skew.host || n.hostKey === '')) {
      current = { host: n.hostKey, delta: skewOf(n, parent) };
    }
    if (current.delta !== 0n) {
      warn(
        n,
        `clock skew adjustment disabled; not applying calculated delta of ${formatGoDuration(current.delta)}`,
      );
    }
    for (const child of children.get(n) ?? []) visit(child, n, current);
  };
  for (const root of roots) visit(root, undefined, { host: root.hostKey, delta: 0n });
  return warnings;
}

function skewOf(child: Converted, parent: Converted): bigint {
  const parentEnd = parent.startNs + parent.durationNs;
  const childEnd = child.startNs + child.durationNs;
  if (child.durationNs > parent.durationNs) {
    return child.startNs < parent.startNs ? parent.startNs - child.startNs : 0n;
  }
  if (child.startNs >= parent.startNs && childEnd <= parentEnd) return 0n;
  const latency = (parent.durationNs - child.durationNs) / 2n;
  return parent.startNs + latency - child.startNs;
}

/**
 * The spans of one trace (retried copies of a span shown once) as Jaeger's trace: processes
 * numbered p1, p2, ... in span order, one per distinct (service, tags).
 */
export function jaegerTraceOf(traceId: string, spans: readonly SequencedSpan[]): JaegerTrace {
  const unique = new Map<string, SequencedSpan>();
  for (const span of spans) if (!unique.has(span.spanId)) unique.set(span.spanId, span);
  const nodes = [...unique.values()].map(convert);
  const warnings = clockSkewWarnings(nodes);
  const processIds = new Map<string, string>();
  const processes: Record<string, JaegerProcess> = {};
  const jaegerSpans = nodes.map((n): JaegerSpan => {
    const identity = JSON.stringify(n.process);
    let id = processIds.get(identity);
    if (id === undefined) {
      id = `p${processIds.size + 1}`;
      processIds.set(identity, id);
      processes[id] = n.process;
    }
    return { ...n.span, processID: id, warnings: warnings.get(n) ?? null };
  });
  return { traceID: jaegerTraceId(traceId), spans: jaegerSpans, processes, warnings: null };
}
