import { randomUUID } from 'node:crypto';
import {
  createEnvelope,
  getEvent,
  latestVersionOf,
  type Envelope,
  type EventType,
  type PayloadOf,
} from '@obs/event-envelope';

export interface EventInput<T extends EventType> {
  readonly tenantId: string;
  /** Fields that replace the registered example's (top level; nested objects are replaced whole). */
  readonly payload?: Partial<PayloadOf<T>>;
  readonly traceId?: string | null;
  readonly occurredAt?: string;
  /** Defaults to the example's aggregate id; pass one for events of a fresh aggregate. */
  readonly aggregateId?: string;
  readonly aggregateVersion?: number;
  readonly eventId?: string;
}

/**
 * An envelope of any registered event, built from its registered example (the latest version) with
 * the fields a test cares about replaced, and validated like a producer's. One builder for every
 * public and internal event, so tests never hand-roll payloads that drift from the schemas.
 */
export function buildEvent<T extends EventType>(eventType: T, input: EventInput<T>): Envelope<T> {
  const entry = getEvent(eventType, latestVersionOf(eventType));
  return createEnvelope({
    eventType,
    eventVersion: entry.eventVersion,
    producer: entry.producer,
    tenantId: input.tenantId,
    traceId: input.traceId ?? null,
    occurredAt: input.occurredAt ?? entry.example.occurredAt,
    eventId: input.eventId ?? randomUUID(),
    aggregate: {
      type: entry.aggregateType,
      id: input.aggregateId ?? entry.example.aggregateId,
      version: input.aggregateVersion ?? entry.example.aggregateVersion,
    },
    payload: { ...(entry.example.payload as object), ...input.payload },
  } as Parameters<typeof createEnvelope>[0]) as unknown as Envelope<T>;
}
