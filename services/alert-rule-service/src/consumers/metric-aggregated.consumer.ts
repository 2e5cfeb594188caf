import { topicFor } from '@obs/event-envelope';
import type { ConsumerDefinition } from '@obs/service-kit';
import { evaluateWindow, recordKnownMetric } from '../alert-evaluator.js';

/**
 * MetricAggregated → the metric catalogue and rule evaluation. Exactly-once per event through the
 * kit's inbox; a redelivered or older window is also ignored by the evaluation itself.
 */
export const metricAggregatedConsumer: ConsumerDefinition = {
  name: 'metric-aggregated',
  topics: [topicFor('MetricAggregated')],
  eventTypes: ['MetricAggregated'],
  async handle(envelope, tx) {
    if (envelope.eventType !== 'MetricAggregated') return;
    await recordKnownMetric(tx, envelope.tenantId, envelope.payload);
    await evaluateWindow(tx, envelope.tenantId, envelope.payload, envelope.traceId);
  },
};
