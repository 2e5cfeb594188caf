import { topicFor } from '@obs/event-envelope';
import type { ConsumerDefinition } from '@obs/service-kit';
import { evaluateWindow } from '../alert-evaluator.js';
import type { AlertRuleServiceConfig } from '../config.js';

/**
 * MetricAggregated → rule evaluation. Exactly-once per event through the
 * kit's inbox; a redelivered window is also a no-op for the evaluation itself, and one arriving
 * out of order is put in its place (within the configured lateness grace).
 */
export function metricAggregatedConsumer(config: AlertRuleServiceConfig): ConsumerDefinition {
  return {
    name: 'metric-aggregated',
    topics: [topicFor('MetricAggregated')],
    eventTypes: ['MetricAggregated'],
    // earliest: windows closed while this service was first deploying must still be evaluated. The AlertTriggered
    // of an old window carries its event time, so incident intake knows it is old.
    startFrom: 'earliest',
    async handle(envelope, tx) {
      if (envelope.eventType !== 'MetricAggregated') return;
      await evaluateWindow(tx, envelope.tenantId, envelope.payload, envelope.traceId, config);
    },
  };
}
