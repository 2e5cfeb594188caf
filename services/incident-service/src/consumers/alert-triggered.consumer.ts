import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import type { IncidentIntake } from '../incident-intake.js';

/**
 * AlertTriggered (obs.alert-rule.v1) → opens an incident, or a recurrence on the open one;
 * AlertResolved (same topic) → a timeline line on the alert's unresolved incident.
 *
 * Replays: the incident opens at `firedAt` (event time), but an alert older than
 * INCIDENT_REPLAY_HORIZON_MS (default 1 h) when it reaches this consumer is treated as a replay
 * (reset offsets, a DLQ re-drive, a new consumer group): its escalation delays count from the
 * intake (the service clock), so an alert from three days ago pages level 1 five minutes after
 * intake rather than every overdue level in the first tick. See docs/services/incident.md.
 */
export function alertTriggeredConsumer(intake: IncidentIntake): ConsumerDefinition {
  return consumerOf('alert-triggered', {
    // earliest: an alert that fired before this group first joined (first deployment, a renamed
    // group) must still open its incident; old alerts are handled by the intake's replay rule.
    startFrom: 'earliest',
    on: {
      AlertTriggered: (envelope, tx) => intake.alertTriggered(envelope, tx),
      // Same topic and stream (the rule), so it follows the AlertTriggered of its episode.
      AlertResolved: async (envelope, tx) => {
        await intake.alertResolved(envelope, tx);
      },
    },
  });
}
