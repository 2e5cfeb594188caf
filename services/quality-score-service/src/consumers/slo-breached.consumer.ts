import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import type { QualityIntake } from '../quality-intake.js';

/** SloBreached (obs.slo-definition.v1) → an SLO breach input, then a recompute. */
export function sloBreachedConsumer(intake: QualityIntake): ConsumerDefinition {
  return consumerOf('slo-breached', {
    // earliest: a breach from before this group joined still used up its window's budget.
    startFrom: 'earliest',
    on: { SloBreached: (envelope, tx) => intake.sloBreached(envelope, tx) },
  });
}
