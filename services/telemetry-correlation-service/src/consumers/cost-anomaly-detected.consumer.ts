import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import { factsOfCostAnomaly } from '../correlation-facts.js';
import type { CorrelationIntake } from '../correlation-intake.js';

/** CostAnomalyDetected (obs.cost-signal.v1) with a traceId → links the cost signal. */
export function costAnomalyDetectedConsumer(intake: CorrelationIntake): ConsumerDefinition {
  return consumerOf('cost-anomaly-detected', {
    // earliest: as for trace-recorded, links are built from the whole history.
    startFrom: 'earliest',
    on: { CostAnomalyDetected: (envelope, tx) => intake.apply(tx, factsOfCostAnomaly(envelope)) },
  });
}
