import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import type { QualityIntake } from '../quality-intake.js';

/** FeedbackItemCreated (obs.feedback-item.v1) → a feedback input, then a recompute. */
export function feedbackItemCreatedConsumer(intake: QualityIntake): ConsumerDefinition {
  return consumerOf('feedback-item-created', {
    // earliest: the score is a function of all the project's feedback, including items created
    // before this group first joined; re-reading records nothing twice (keyed input rows).
    startFrom: 'earliest',
    on: { FeedbackItemCreated: (envelope, tx) => intake.feedbackItemCreated(envelope, tx) },
  });
}
