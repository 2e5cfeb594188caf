import { topicFor } from '@obs/event-envelope';
import type { ConsumerDefinition } from '@obs/service-kit';
import { factsOfMetricAggregated } from '../correlation-facts.js';
import type { CorrelationIntake } from '../correlation-intake.js';

/**
 * MetricAggregated (obs.metric-series.v1) → links the closed window to each trace its exemplars
 * name. A window without exemplars names no trace and changes nothing (only its inbox row).
 */
export function metricAggregatedConsumer(intake: CorrelationIntake): ConsumerDefinition {
  return {
    name: 'metric-aggregated',
    topics: [topicFor('MetricAggregated')],
    eventTypes: ['MetricAggregated'],
    // earliest: as for trace-recorded, links are built from the whole history.
    startFrom: 'earliest',
    async handle(envelope, tx) {
      if (envelope.eventType !== 'MetricAggregated') return;
      await intake.apply(tx, factsOfMetricAggregated(envelope));
    },
  };
}
