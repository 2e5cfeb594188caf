import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import { evaluateWindow } from '../alert-evaluator.js';
import type { AlertRuleServiceConfig } from '../config.js';

/**
 * MetricAggregated → rule evaluation. Exactly-once per event through the
 * kit's inbox; a redelivered window is also a no-op for the evaluation itself, and one arriving
 * out of order is put in its place (within the configured lateness grace).
 */
export function metricAggregatedConsumer(
  config: AlertRuleServiceConfig,
  clock: () => number = Date.now,
): ConsumerDefinition {
  return consumerOf('metric-aggregated', {
    // earliest: windows closed while this service was first deploying must still be evaluated. The AlertTriggered
    // of an old window carries its event time, so incident intake knows it is old.
    startFrom: 'earliest',
    on: {
      MetricAggregated: (envelope, tx) =>
        evaluateWindow(tx, envelope.tenantId, envelope.payload, envelope.traceId, config, clock),
    },
  });
}
