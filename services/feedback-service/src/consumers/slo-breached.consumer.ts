import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import type { FeedbackIntake } from '../feedback-intake.js';

/**
 * SloBreached (obs.slo-definition.v1) → a FeedbackItem (source runtime-signal, sourceId the SLO;
 * category performance for latency-like SLOs, reliability otherwise, as the domain decides).
 * Each breach is its own item: SloBreached is emitted once per breach, not once per SLO.
 */
export function sloBreachedConsumer(intake: FeedbackIntake): ConsumerDefinition {
  return consumerOf('slo-breached', {
    // earliest: a breach that happened before the group first joined still feeds the loop; the
    // inbox and the per-event item id keep a re-read from creating anything twice.
    startFrom: 'earliest',
    on: { SloBreached: (envelope, tx) => intake.sloBreached(envelope, tx) },
  });
}
