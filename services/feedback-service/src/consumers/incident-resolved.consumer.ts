import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import type { FeedbackIntake } from '../feedback-intake.js';

/**
 * IncidentResolved (obs.incident.v1) → a reliability FeedbackItem (source incident, sourceId the
 * incident, its root cause in the detail). The other incident events on the topic are skipped.
 */
export function incidentResolvedConsumer(intake: FeedbackIntake): ConsumerDefinition {
  return consumerOf('incident-resolved', {
    // earliest: every resolved incident is a lesson for the loop, including those resolved before
    // this consumer group first joined; re-reading is harmless (inbox + per-event item id).
    startFrom: 'earliest',
    on: { IncidentResolved: (envelope, tx) => intake.incidentResolved(envelope, tx) },
  });
}
