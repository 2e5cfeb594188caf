import { topicFor } from '@obs/event-envelope';
import type { ConsumerDefinition } from '@obs/service-kit';
import type { QualityIntake } from '../quality-intake.js';

/** FeedbackItemCreated (obs.feedback-item.v1) → a feedback input, then a recompute. */
export function feedbackItemCreatedConsumer(intake: QualityIntake): ConsumerDefinition {
  return {
    name: 'feedback-item-created',
    topics: [topicFor('FeedbackItemCreated')],
    eventTypes: ['FeedbackItemCreated'],
    // earliest: the score is a function of all the project's feedback, including items created
    // before this group first joined; re-reading records nothing twice (keyed input rows).
    startFrom: 'earliest',
    async handle(envelope, tx) {
      if (envelope.eventType !== 'FeedbackItemCreated') return;
      await intake.feedbackItemCreated(envelope, tx);
    },
  };
}
