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
