import type { z } from 'zod';
import type { AggregateType } from './topics.js';

/** Public events are a contract with downstream consumers; internal ones may change faster. */
export const VISIBILITIES = ['public', 'internal'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** The example every event carries: documentation, AsyncAPI examples and round-trip tests. */
export interface EventExample<TPayload> {
  readonly aggregateId: string;
  readonly aggregateVersion: number;
  readonly occurredAt: string;
  readonly payload: TPayload;
}

/**
 * The envelope fields a stream key may be computed from. A structural subset of the envelope, so
 * the envelope itself is passed; the payload is already validated by the event's schema.
 */
export interface StreamKeySource<TPayload> {
  readonly tenantId: string;
  readonly aggregate: { readonly id: string };
  readonly payload: TPayload;
}

/**
 * The stream whose order matters for an event: it becomes the Kafka record key, so every event of
 * one stream lands on one partition and is read in the order it was published. Two events that
 * must be seen in order must share a key; two that need not should not, or they queue behind each
 * other on one partition for nothing.
 */
export interface StreamKey<TPayload> {
  /** What the key is, in words: it is written into the AsyncAPI and JSON Schema documents. */
  readonly description: string;
  // Method syntax on purpose: its parameter is checked bivariantly, so a definition with a
  // specific payload still fits `EventDefinition` (whose payload is unknown).
  of(source: StreamKeySource<TPayload>): string;
}

/** The default: events of one aggregate stay in the order the aggregate raised them. */
export const AGGREGATE_STREAM_KEY: StreamKey<unknown> = {
  description: 'aggregate.id: keeps the events of one aggregate in order',
  of: (source) => source.aggregate.id,
};

/** What one (eventType, eventVersion) is: the payload contract plus where it is published. */
export interface EventDefinition<
  TType extends string = string,
  TVersion extends number = number,
  TAggregate extends AggregateType = AggregateType,
  TSchema extends z.ZodType = z.ZodType,
> {
  readonly eventType: TType;
  readonly eventVersion: TVersion;
  readonly aggregateType: TAggregate;
  readonly visibility: Visibility;
  readonly description: string;
  readonly schema: TSchema;
  readonly example: EventExample<z.output<TSchema>>;
  /** Defaults to AGGREGATE_STREAM_KEY (the aggregate id). */
  readonly streamKey?: StreamKey<z.output<TSchema>>;
}

/** Identity function whose only job is to infer literal types and type-check the example. */
export function defineEvent<
  TType extends string,
  TVersion extends number,
  TAggregate extends AggregateType,
  TSchema extends z.ZodType,
>(
  definition: EventDefinition<TType, TVersion, TAggregate, TSchema>,
): EventDefinition<TType, TVersion, TAggregate, TSchema> {
  return definition;
}
