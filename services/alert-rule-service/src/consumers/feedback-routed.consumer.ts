import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import { queueFeedbackNotification } from '../notify/feedback-notifications.js';

/**
 * FeedbackItemRouted (obs.feedback-item.v1, from feedback-service) → one notification to the
 * receiver the routing rule names, queued in the consumer's transaction beside its inbox row
 * (exactly once per event) and sent by the notification-delivery job, signed. Routings without a
 * receiver (by hand, or a rule that names none) queue nothing. See notify/feedback-notifications.ts.
 */
export function feedbackRoutedConsumer(clock: () => number = Date.now): ConsumerDefinition {
  return consumerOf('feedback-routed', {
    // earliest: a routing published while this group first joins must still wake its agent; old
    // ones (a first deployment, a re-drive) are dropped by FEEDBACK_WAKE_MAX_AGE_MS.
    startFrom: 'earliest',
    on: {
      FeedbackItemRouted: async (envelope, tx) => {
        await queueFeedbackNotification(tx, envelope, clock());
      },
    },
  });
}
