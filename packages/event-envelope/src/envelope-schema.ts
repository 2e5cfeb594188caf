import { z } from 'zod';
import type { EventDefinition } from './event-definition.js';
import { idSchema, instantSchema, tenantIdSchema, traceIdSchema } from './payloads/common.js';

export const SPEC_VERSION = '1.0';

export const aggregateRefSchema = z.strictObject({
  type: z.string().min(1).describe('Aggregate type, the spec name (Incident, TraceRecord, ...)'),
  id: idSchema.describe(
    "Aggregate id; the Kafka record key unless the event declares another stream (see the message's key)",
  ),
  version: z
    .number()
    .int()
    .min(0)
    .describe('Aggregate version after the change that raised the event'),
});

/**
 * The fields every envelope has, in docs/design.md#envelope order. Kept as a shape (not only a
 * schema) so the per-event schemas can narrow eventType, eventVersion, aggregate and payload.
 */
const envelopeShape = {
  specVersion: z.literal(SPEC_VERSION).describe('Envelope format version'),
  eventId: z.uuid().describe('Unique per event; consumers de-duplicate on it'),
  eventType: z.string().min(1),
  eventVersion: z
    .number()
    .int()
    .min(1)
    .describe('Bumped on a backward-incompatible payload change'),
  occurredAt: instantSchema.describe('Event time (ISO-8601 UTC), not publication time'),
  producer: z.string().min(1).describe('Service that produced the event'),
  tenantId: tenantIdSchema,
  traceId: traceIdSchema.nullable().describe('Trace the event is about or was produced in'),
  correlationId: z
    .string()
    .min(1)
    .nullable()
    .describe('Groups the events of one business flow (defaults to the request trace)'),
  causationId: z.uuid().nullable().describe('eventId of the event that caused this one'),
  aggregate: aggregateRefSchema,
  // Any object: the registry decides which schema applies once eventType/eventVersion are known.
  payload: z.record(z.string(), z.unknown()),
};

/** Envelope with an unchecked payload: the first pass of parsing, before the registry lookup. */
export const envelopeSchema = z.strictObject(envelopeShape);
export type UntypedEnvelope = z.output<typeof envelopeSchema>;

/** The full envelope of one event: literal type, version and aggregate type, checked payload. */
export function envelopeSchemaFor(definition: EventDefinition): z.ZodType {
  return z.strictObject({
    ...envelopeShape,
    eventType: z.literal(definition.eventType),
    eventVersion: z.literal(definition.eventVersion),
    aggregate: aggregateRefSchema.extend({ type: z.literal(definition.aggregateType) }),
    payload: definition.schema,
  });
}
