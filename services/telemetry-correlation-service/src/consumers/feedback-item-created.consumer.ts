import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import { factsOfFeedback } from '../correlation-facts.js';
import type { CorrelationIntake } from '../correlation-intake.js';

/** FeedbackItemCreated (obs.feedback-item.v1) with a traceId → links the feedback item. */
export function feedbackItemCreatedConsumer(intake: CorrelationIntake): ConsumerDefinition {
  return consumerOf('feedback-item-created', {
    // earliest: as for trace-recorded, links are built from the whole history.
    startFrom: 'earliest',
    on: { FeedbackItemCreated: (envelope, tx) => intake.apply(tx, factsOfFeedback(envelope)) },
  });
}
