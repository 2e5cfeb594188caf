import { topicFor } from '@obs/event-envelope';
import type { ConsumerDefinition } from '@obs/service-kit';
import type { QualityIntake } from '../quality-intake.js';

/** SloBreached (obs.slo-definition.v1) → an SLO breach input, then a recompute. */
export function sloBreachedConsumer(intake: QualityIntake): ConsumerDefinition {
  return {
    name: 'slo-breached',
    topics: [topicFor('SloBreached')],
    eventTypes: ['SloBreached'],
    // earliest: a breach from before this group joined still used up its window's budget.
    startFrom: 'earliest',
    async handle(envelope, tx) {
      if (envelope.eventType !== 'SloBreached') return;
      await intake.sloBreached(envelope, tx);
    },
  };
}
