import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import type { FeedbackIntake } from '../feedback-intake.js';

/**
 * CostAnomalyDetected (obs.cost-signal.v1) → a cost FeedbackItem (source runtime-signal, sourceId
 * the cost signal).
 */
export function costAnomalyDetectedConsumer(intake: FeedbackIntake): ConsumerDefinition {
  return consumerOf('cost-anomaly-detected', {
    // earliest: an anomaly found before this group first joined is still money worth a look;
    // re-reading creates nothing twice (inbox + per-event item id).
    startFrom: 'earliest',
    on: { CostAnomalyDetected: (envelope, tx) => intake.costAnomalyDetected(envelope, tx) },
  });
}
