import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import type { IncidentIntake } from '../incident-intake.js';

/**
 * SloBreached (obs.slo-definition.v1) → opens an incident (source slo), or a recurrence on the
 * open one (a mitigated incident regresses to investigating, as for an alert).
 *
 * Replays: the same rule as AlertTriggered. A breach older than INCIDENT_REPLAY_HORIZON_MS at
 * intake opens at `breachedAt` but escalates from the intake, not from the old breach time.
 */
export function sloBreachedConsumer(intake: IncidentIntake): ConsumerDefinition {
  return consumerOf('slo-breached', {
    // earliest: for the same reason as alert-triggered: a breach must never go without incident.
    startFrom: 'earliest',
    on: { SloBreached: (envelope, tx) => intake.sloBreached(envelope, tx) },
  });
}
