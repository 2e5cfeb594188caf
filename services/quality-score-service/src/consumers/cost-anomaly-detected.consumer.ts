import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import type { QualityIntake } from '../quality-intake.js';

/**
 * CostAnomalyDetected (obs.cost-signal.v1) → a cost anomaly input, then a recompute. The feedback
 * feedback-service makes of the same anomaly names it as its cause, so the two count once.
 */
export function costAnomalyDetectedConsumer(intake: QualityIntake): ConsumerDefinition {
  return consumerOf('cost-anomaly-detected', {
    // earliest: an anomaly from before this group joined still weighs on its window.
    startFrom: 'earliest',
    on: { CostAnomalyDetected: (envelope, tx) => intake.costAnomalyDetected(envelope, tx) },
  });
}
