import { topicFor } from '@obs/event-envelope';
import type { ConsumerDefinition } from '@obs/service-kit';
import type { FeedbackIntake } from '../feedback-intake.js';

/**
 * CostAnomalyDetected (obs.cost-signal.v1) → a cost FeedbackItem (source runtime-signal, sourceId
 * the cost signal).
 */
export function costAnomalyDetectedConsumer(intake: FeedbackIntake): ConsumerDefinition {
  return {
    name: 'cost-anomaly-detected',
    topics: [topicFor('CostAnomalyDetected')],
    eventTypes: ['CostAnomalyDetected'],
    // earliest: an anomaly found before this group first joined is still money worth a look;
    // re-reading creates nothing twice (inbox + per-event item id).
    startFrom: 'earliest',
    async handle(envelope, tx) {
      if (envelope.eventType !== 'CostAnomalyDetected') return;
      await intake.costAnomalyDetected(envelope, tx);
    },
  };
}
