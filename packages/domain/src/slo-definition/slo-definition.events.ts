import type { DomainEvent } from '../kernel/aggregate-root.js';
import type { SloObservedWindow } from './slo-budget.js';
import type { BurnAlertRuleReading, BurnAlertSeverity } from './slo-burn-alerts.js';

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
  /**
   * The quality dimension the SLO guards: the one its definition declares, else from its
   * indicator, latency → performance, else reliability (issue 29; absent in events before it:
   * consumers fall back to the name).
   */
  readonly dimension?: 'reliability' | 'performance';
}

export type SloBreached = DomainEvent<'SloBreached', SloBreachedPayload>;

/** What SloBurnRateAlertFired and SloBurnRateAlertResolved share (the contract's common part). */
export interface SloBurnRateAlertPayload {
  readonly sloId: string;
  readonly projectId: string;
  readonly name: string;
  readonly severity: BurnAlertSeverity;
  readonly target: number;
  readonly windowMinutes: number;
  readonly errorBudget: number;
  /** Over the rolling window at the evaluation, percent of events (as on the SLO). */
  readonly budgetRemaining: number;
  /** The severity's rules: those that fired (Fired) or were firing until now (Resolved). */
  readonly rules: readonly BurnAlertRuleReading[];
  /** Burn rate over every window at the evaluation; null when the error budget is 0. */
  readonly burnRates: Readonly<Record<SloObservedWindow, number | null>>;
  /** The group values the SLO counts (its SLI filter); {} when it counts every group. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** Receiver ids the SLO names for its burn-rate alerts (burnRateAlerts.receivers). */
  readonly receivers: readonly string[];
  /** Traces of the burn when known; the SLO counts metric windows, so today always []. */
  readonly traceIds: readonly string[];
  readonly firedAt: string;
}

export type SloBurnRateAlertFiredPayload = SloBurnRateAlertPayload;

export interface SloBurnRateAlertResolvedPayload extends SloBurnRateAlertPayload {
  readonly resolvedAt: string;
}

export type SloBurnRateAlertFired = DomainEvent<
  'SloBurnRateAlertFired',
  SloBurnRateAlertFiredPayload
>;
export type SloBurnRateAlertResolved = DomainEvent<
  'SloBurnRateAlertResolved',
  SloBurnRateAlertResolvedPayload
>;

export type SloDefinitionEvent = SloBreached | SloBurnRateAlertFired | SloBurnRateAlertResolved;
