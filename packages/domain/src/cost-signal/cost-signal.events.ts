import type { DomainEvent } from '../kernel/aggregate-root.js';
import type { CostCategory } from './cost-values.js';

export const COST_SIGNAL_AGGREGATE_TYPE = 'CostSignal';

/** Payload fixed by the event contract (packages/event-envelope/src/payloads); amounts in currency units. */
export interface CostAnomalyDetectedPayload {
  readonly costSignalId: string;
  readonly projectId: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly currency: string;
  readonly category: CostCategory;
  readonly observed: number;
  readonly baseline: number;
  readonly deltaPct: number;
  readonly detectedAt: string;
  /** traceIds of the largest contributing cost lines, largest first (absent in older events). */
  readonly traceIds?: readonly string[];
}

export type CostAnomalyDetected = DomainEvent<'CostAnomalyDetected', CostAnomalyDetectedPayload>;

export type CostSignalEvent = CostAnomalyDetected;
