import { topicFor } from '@obs/event-envelope';
import type { ConsumerDefinition } from '@obs/service-kit';
import { factsOfFeedback } from '../correlation-facts.js';
import type { CorrelationIntake } from '../correlation-intake.js';

/** FeedbackItemCreated (obs.feedback-item.v1) with a traceId → links the feedback item. */
export function feedbackItemCreatedConsumer(intake: CorrelationIntake): ConsumerDefinition {
  return {
    name: 'feedback-item-created',
    topics: [topicFor('FeedbackItemCreated')],
    eventTypes: ['FeedbackItemCreated'],
    // earliest: as for trace-recorded, links are built from the whole history.
    startFrom: 'earliest',
    async handle(envelope, tx) {
      if (envelope.eventType !== 'FeedbackItemCreated') return;
      await intake.apply(tx, factsOfFeedback(envelope));
    },
  };
}
