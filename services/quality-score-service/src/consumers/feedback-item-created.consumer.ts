import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import type { QualityIntake } from '../quality-intake.js';

/**
 * The feedback item's events (obs.feedback-item.v1) → its input, then a recompute: Created
 * records it, Routed and Applied move its status (applied weighs as resolved). One consumer for
 * the three, so an item's events apply in their partition's order (the group keeps its name from
 * when it read FeedbackItemCreated only, so its committed position stays).
 */
export function feedbackItemCreatedConsumer(intake: QualityIntake): ConsumerDefinition {
  return consumerOf('feedback-item-created', {
    // earliest: the score is a function of all the project's feedback, including items created
    // before this group first joined; re-reading records nothing twice (keyed input rows).
    startFrom: 'earliest',
    on: {
      FeedbackItemCreated: (envelope, tx) => intake.feedbackItemCreated(envelope, tx),
      FeedbackItemRouted: (envelope, tx) => intake.feedbackItemAdvanced(envelope, tx),
      FeedbackItemApplied: (envelope, tx) => intake.feedbackItemAdvanced(envelope, tx),
    },
  });
}
