import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import { factsOfMetricAggregated } from '../correlation-facts.js';
import type { CorrelationIntake } from '../correlation-intake.js';

/**
 * MetricAggregated (obs.metric-series.v1) → links the closed window to each trace its exemplars
 * name. A window without exemplars names no trace and changes nothing (only its inbox row).
 */
export function metricAggregatedConsumer(intake: CorrelationIntake): ConsumerDefinition {
  return consumerOf('metric-aggregated', {
    // earliest: as for trace-recorded, links are built from the whole history.
    startFrom: 'earliest',
    on: { MetricAggregated: (envelope, tx) => intake.apply(tx, factsOfMetricAggregated(envelope)) },
  });
}
