import { topicFor } from '@obs/event-envelope';
import type { ConsumerDefinition } from '@obs/service-kit';
import type { IncidentIntake } from '../incident-intake.js';

/**
 * SloBreached (obs.slo-definition.v1) → opens an incident (source slo), or a recurrence on the
 * open one (a mitigated incident regresses to investigating, as for an alert).
 *
 * Replays: the same rule as AlertTriggered. A breach older than INCIDENT_REPLAY_HORIZON_MS at
 * intake opens at `breachedAt` but escalates from the intake, not from the old breach time.
 */
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
