import { consumerOf, type ConsumerDefinition, type ServiceContext } from '@obs/service-kit';
import type { SloServiceConfig } from '../config.js';
import type { SloStore } from '../slo-definition.repository.js';
import { applyMetricWindow } from '../slo-evaluator.js';

/**
 * MetricAggregated (obs.metric-series.v1) → the budgets of the SLOs that read the metric.
 * Exactly-once per event through the kit's inbox; a window delivered again under a new eventId
 * (a revision) replaces its sample instead of adding to it. Only the payload fields the SLI
 * needs are read (count, sum, p50/p95/p99), so optional fields the producer adds later (min,
 * max, exemplars) change nothing here.
 */
export function metricAggregatedConsumer(
  ctx: ServiceContext,
  store: SloStore,
  config: SloServiceConfig,
): ConsumerDefinition {
  return consumerOf('metric-aggregated', {
    // earliest: windows that closed while this service was first deploying (or before its group
    // existed) still belong in the rolling budgets; the evaluation uses event time, so replaying
    // old windows yields the same budget as live delivery, and a breach carries its own time.
    startFrom: 'earliest',
    on: {
      MetricAggregated: (envelope, tx) =>
        applyMetricWindow(ctx, store, config, tx, envelope.tenantId, envelope.payload),
    },
  });
}
