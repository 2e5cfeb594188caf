import type { DomainEvent } from '../kernel/aggregate-root.js';

export const SLO_DEFINITION_AGGREGATE_TYPE = 'SloDefinition';

/** Payload fixed by the event contract (packages/event-envelope/src/payloads). */
export interface SloBreachedPayload {
  readonly sloId: string;
  readonly projectId: string;
  readonly name: string;
  readonly target: number;
  readonly windowMinutes: number;
  readonly errorBudget: number;
  /** Always 0: a breach is the budget used up. */
  readonly budgetRemaining: 0;
  readonly badPct: number;
  readonly breachedAt: string;
}

export type SloBreached = DomainEvent<'SloBreached', SloBreachedPayload>;

export type SloDefinitionEvent = SloBreached;
