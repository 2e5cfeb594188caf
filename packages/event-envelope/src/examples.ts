import { createHash } from 'node:crypto';
import { parseEnvelope, type Envelope } from './envelope.js';
import { SPEC_VERSION } from './envelope-schema.js';
import { EXAMPLE_TENANT, EXAMPLE_TRACE_ID } from './payloads/common.js';
import type { RegisteredEvent } from './registry.js';
import { HEADERS } from './topics.js';

/** A fixed span id, so example `traceparent` headers are reproducible. */
const EXAMPLE_SPAN_ID = '00f067aa0ba902b7';

/**
 * A name-based UUID (version 5 layout) of the event type and version: examples must not change
 * between generator runs, or the committed documents would always look stale.
 */
function exampleEventId(entry: RegisteredEvent): string {
  const hex = createHash('sha1')
    .update(`obs-example:${entry.eventType}:v${entry.eventVersion}`)
    .digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `5${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}

/** The registered example as a complete, validated envelope. */
export function exampleEnvelope(entry: RegisteredEvent): Envelope {
  return parseEnvelope({
    specVersion: SPEC_VERSION,
    eventId: exampleEventId(entry),
    eventType: entry.eventType,
    eventVersion: entry.eventVersion,
    occurredAt: entry.example.occurredAt,
    producer: entry.producer,
    tenantId: EXAMPLE_TENANT,
    traceId: EXAMPLE_TRACE_ID,
    correlationId: EXAMPLE_TRACE_ID,
    causationId: null,
    aggregate: {
      type: entry.aggregateType,
      id: entry.example.aggregateId,
      version: entry.example.aggregateVersion,
    },
    payload: entry.example.payload,
  });
}

/** The Kafka headers a producer would send with the example envelope. */
export function exampleHeaders(envelope: Envelope): Record<string, string> {
  return {
    [HEADERS.eventType]: envelope.eventType,
    [HEADERS.eventVersion]: String(envelope.eventVersion),
    [HEADERS.tenantId]: envelope.tenantId,
    ...(envelope.traceId === null
      ? {}
      : { [HEADERS.traceparent]: `00-${envelope.traceId}-${EXAMPLE_SPAN_ID}-01` }),
  };
}
