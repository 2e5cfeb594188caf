import { topicFor } from '@obs/event-envelope';
import type { ConsumerDefinition } from '@obs/service-kit';
import type { FeedbackIntake } from '../feedback-intake.js';

/**
 * IncidentResolved (obs.incident.v1) → a reliability FeedbackItem (source incident, sourceId the
 * incident, its root cause in the detail). The other incident events on the topic are skipped.
 */
export function incidentResolvedConsumer(intake: FeedbackIntake): ConsumerDefinition {
  return {
    name: 'incident-resolved',
    topics: [topicFor('IncidentResolved')],
    eventTypes: ['IncidentResolved'],
    // earliest: every resolved incident is a lesson for the loop, including those resolved before
    // this consumer group first joined; re-reading is harmless (inbox + per-event item id).
    startFrom: 'earliest',
    async handle(envelope, tx) {
      if (envelope.eventType !== 'IncidentResolved') return;
      await intake.incidentResolved(envelope, tx);
    },
  };
}
