import { topicFor } from '@obs/event-envelope';
import type { ConsumerDefinition } from '@obs/service-kit';
import type { IncidentIntake } from '../incident-intake.js';

/** AlertTriggered (obs.alert-rule.v1) → opens an incident, or a recurrence on the open one. */
export function alertTriggeredConsumer(intake: IncidentIntake): ConsumerDefinition {
  return {
    name: 'alert-triggered',
    topics: [topicFor('AlertTriggered')],
    eventTypes: ['AlertTriggered'],
    // earliest: an alert that fired before this group first joined (first deployment, a renamed
    // group) must still open its incident; old alerts are handled by the intake's replay rule.
    startFrom: 'earliest',
    async handle(envelope, tx) {
      if (envelope.eventType !== 'AlertTriggered') return;
      await intake.alertTriggered(envelope, tx);
    },
  };
}
