import { topicFor } from '@obs/event-envelope';
import type { ConsumerDefinition } from '@obs/service-kit';
import type { IncidentIntake } from '../incident-intake.js';

/** SloBreached (obs.slo-definition.v1) → opens an incident (source slo), or a recurrence. */
export function sloBreachedConsumer(intake: IncidentIntake): ConsumerDefinition {
  return {
    name: 'slo-breached',
    topics: [topicFor('SloBreached')],
    eventTypes: ['SloBreached'],
    // earliest: for the same reason as alert-triggered: a breach must never go without incident.
    startFrom: 'earliest',
    async handle(envelope, tx) {
      if (envelope.eventType !== 'SloBreached') return;
      await intake.sloBreached(envelope, tx);
    },
  };
}
