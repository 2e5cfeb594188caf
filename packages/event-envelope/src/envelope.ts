import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '@obs/domain';
import type { z } from 'zod';
import { SPEC_VERSION, envelopeSchema } from './envelope-schema.js';
import { EnvelopeError, issuesFromZod } from './errors.js';
import type { EventDefinition } from './event-definition.js';
import {
  getEvent,
  type AggregateTypeOf,
  type EventDefinitionOf,
  type EventType,
  type EventVersionOf,
  type PayloadOf,
} from './registry.js';

/** Envelope of one registered definition: literal type/version/aggregate type, typed payload. */
type EnvelopeOfDefinition<D> =
  D extends EventDefinition<infer T, infer V, infer A, infer S>
    ? {
        readonly specVersion: typeof SPEC_VERSION;
        readonly eventId: string;
        readonly eventType: T;
        readonly eventVersion: V;
        readonly occurredAt: string;
        readonly producer: string;
        readonly tenantId: string;
        readonly traceId: string | null;
        readonly correlationId: string | null;
        readonly causationId: string | null;
        readonly aggregate: { readonly type: A; readonly id: string; readonly version: number };
        readonly payload: z.output<S>;
      }
    : never;

/**
 * The canonical envelope (docs/design.md#envelope) as a union discriminated by `eventType`, so a
 * consumer narrows the payload with `if (envelope.eventType === 'IncidentOpened')`.
 */
export type Envelope<T extends EventType = EventType> = EnvelopeOfDefinition<EventDefinitionOf<T>>;

/** The envelope of exactly one (eventType, eventVersion). */
export type EnvelopeOf<
  T extends EventType,
  V extends EventVersionOf<T> = EventVersionOf<T>,
> = EnvelopeOfDefinition<EventDefinitionOf<T, V>>;

export interface CreateEnvelopeInput<T extends EventType, V extends EventVersionOf<T>> {
  readonly eventType: T;
  /** Defaults to 1. */
  readonly eventVersion?: V;
  readonly producer: string;
  readonly tenantId: string;
  readonly traceId?: string | null;
  readonly correlationId?: string | null;
  readonly causationId?: string | null;
  readonly aggregate: {
    /** Defaults to the registered aggregate type; when given it must match it. */
    readonly type?: AggregateTypeOf<T>;
    readonly id: string;
    readonly version: number;
  };
  readonly payload: PayloadOf<T, V>;
  /** Defaults to now; domain events pass their event time instead. */
  readonly occurredAt?: string;
  /** Defaults to a random UUID; pass one only to make an envelope reproducible. */
  readonly eventId?: string;
}

/** Builds an envelope and validates it (payload included) against the registry. */
export function createEnvelope<
  T extends EventType,
  V extends EventVersionOf<T> = Extract<EventVersionOf<T>, 1>,
>(input: CreateEnvelopeInput<T, V>): EnvelopeOf<T, V> {
  const eventVersion: number = input.eventVersion ?? 1;
  return validate({
    specVersion: SPEC_VERSION,
    eventId: input.eventId ?? randomUUID(),
    eventType: input.eventType,
    eventVersion,
    occurredAt: input.occurredAt ?? new Date().toISOString(),
    producer: input.producer,
    tenantId: input.tenantId,
    traceId: input.traceId ?? null,
    correlationId: input.correlationId ?? null,
    causationId: input.causationId ?? null,
    aggregate: {
      type: input.aggregate.type ?? getEvent(input.eventType, eventVersion).aggregateType,
      id: input.aggregate.id,
      version: input.aggregate.version,
    },
    payload: input.payload,
  }) as EnvelopeOf<T, V>;
}

/**
 * Reads an envelope from untrusted input (a Kafka record value, an outbox row). Throws an
 * EnvelopeError naming every failing field; never returns a partially checked envelope.
 */
export function parseEnvelope(input: unknown): Envelope {
  return validate(input);
}

export interface EnvelopeFromDomainEventOptions {
  readonly producer: string;
  /** The aggregate version after the save that stored the event (known only at save time). */
  readonly aggregateVersion: number;
  /** Defaults to 1. */
  readonly eventVersion?: number;
  /** Overrides the event's own traceId when given (null clears it). */
  readonly traceId?: string | null;
  readonly correlationId?: string | null;
  readonly causationId?: string | null;
  readonly eventId?: string;
}

/** `Envelope<T>` when the event type is known statically, the whole union otherwise. */
export type EnvelopeForType<S extends string> = S extends EventType ? Envelope<S> : Envelope;

/**
 * Wraps a domain event recorded by an aggregate (packages/domain `DomainEvent`) in the canonical
 * envelope. The domain event is typed loosely (eventType: string), so everything is checked here.
 */
export function envelopeFromDomainEvent<E extends DomainEvent>(
  event: E,
  options: EnvelopeFromDomainEventOptions,
): EnvelopeForType<E['eventType']> {
  return validate({
    specVersion: SPEC_VERSION,
    eventId: options.eventId ?? randomUUID(),
    eventType: event.eventType,
    eventVersion: options.eventVersion ?? 1,
    occurredAt: event.occurredAt,
    producer: options.producer,
    tenantId: event.tenantId,
    traceId: options.traceId === undefined ? event.traceId : options.traceId,
    correlationId: options.correlationId ?? null,
    causationId: options.causationId ?? null,
    aggregate: {
      type: event.aggregateType,
      id: event.aggregateId,
      version: options.aggregateVersion,
    },
    payload: event.payload,
  }) as EnvelopeForType<E['eventType']>;
}

/**
 * The one validation path of create, parse and wrap, so all three fail alike. Order matters for
 * the error code: structure first, then the registry lookup, then the payload.
 */
function validate(input: unknown): Envelope {
  const parsed = envelopeSchema.safeParse(input);
  if (!parsed.success) {
    throw new EnvelopeError(
      'envelope.invalid_envelope',
      'invalid envelope',
      issuesFromZod(parsed.error),
    );
  }
  const envelope = parsed.data;
  const entry = getEvent(envelope.eventType, envelope.eventVersion);

  if (envelope.aggregate.type !== entry.aggregateType) {
    throw new EnvelopeError('envelope.invalid_envelope', 'invalid envelope', [
      {
        path: 'aggregate.type',
        message: `${entry.eventType} belongs to ${entry.aggregateType}, not ${envelope.aggregate.type}`,
      },
    ]);
  }

  const payload = entry.schema.safeParse(envelope.payload);
  if (!payload.success) {
    throw new EnvelopeError(
      'envelope.invalid_payload',
      `invalid payload for ${entry.eventType} v${entry.eventVersion}`,
      issuesFromZod(payload.error, ['payload']),
    );
  }

  const payloadTenant = tenantInPayload(payload.data);
  if (payloadTenant !== null && payloadTenant !== envelope.tenantId) {
    throw new EnvelopeError('envelope.tenant_mismatch', 'tenant mismatch', [
      {
        path: 'payload.dimensions.tenantId',
        message: `"${payloadTenant}" differs from the envelope tenantId "${envelope.tenantId}"`,
      },
    ]);
  }

  // Rebuilt field by field so every envelope serialises in the canonical key order.
  const result: Record<string, unknown> = {
    specVersion: envelope.specVersion,
    eventId: envelope.eventId,
    eventType: envelope.eventType,
    eventVersion: envelope.eventVersion,
    occurredAt: envelope.occurredAt,
    producer: envelope.producer,
    tenantId: envelope.tenantId,
    traceId: envelope.traceId,
    correlationId: envelope.correlationId,
    causationId: envelope.causationId,
    aggregate: {
      type: envelope.aggregate.type,
      id: envelope.aggregate.id,
      version: envelope.aggregate.version,
    },
    payload: payload.data,
  };
  // The checks above are exactly what the union type promises; TS cannot follow them.
  return result as Envelope;
}

/**
 * Payloads that carry telemetry dimensions repeat the tenant; a record whose two tenants differ
 * would leak data across tenants for any consumer that trusts the payload, so it is refused.
 */
function tenantInPayload(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null || !('dimensions' in payload)) return null;
  const dimensions = payload.dimensions;
  if (typeof dimensions !== 'object' || dimensions === null || !('tenantId' in dimensions)) {
    return null;
  }
  return typeof dimensions.tenantId === 'string' ? dimensions.tenantId : null;
}
