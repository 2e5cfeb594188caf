import { topicFor } from '@obs/event-envelope';
import type { ConsumerDefinition } from '@obs/service-kit';
import { factsOfCostAnomaly } from '../correlation-facts.js';
import type { CorrelationIntake } from '../correlation-intake.js';

/** CostAnomalyDetected (obs.cost-signal.v1) with a traceId → links the cost signal. */
export function costAnomalyDetectedConsumer(intake: CorrelationIntake): ConsumerDefinition {
  return {
    name: 'cost-anomaly-detected',
    topics: [topicFor('CostAnomalyDetected')],
    eventTypes: ['CostAnomalyDetected'],
    // earliest: as for trace-recorded, links are built from the whole history.
    startFrom: 'earliest',
    async handle(envelope, tx) {
      if (envelope.eventType !== 'CostAnomalyDetected') return;
      await intake.apply(tx, factsOfCostAnomaly(envelope));
    },
  };
}
