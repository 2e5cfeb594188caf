import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import { queueEscalationNotifications } from '../notify/escalation-notifications.js';

/**
 * IncidentEscalated (obs.incident.v1, from incident-service) → one notification per receiver the
 * escalation step names, queued in the consumer's transaction beside its inbox row (exactly once
 * per event) and sent by the notification-delivery job. Steps without receivers (the default
 * policy's, older events) queue nothing. See notify/escalation-notifications.ts.
 */
export function incidentEscalatedConsumer(clock: () => number = Date.now): ConsumerDefinition {
  return consumerOf('incident-escalated', {
    // earliest: an escalation published while this group first joins must not be lost. Old ones
    // (a first deployment, a re-drive) are not paged: the writer drops any older than
    // ESCALATION_PAGE_MAX_AGE_MS.
    startFrom: 'earliest',
    on: {
      IncidentEscalated: async (envelope, tx) => {
        await queueEscalationNotifications(tx, envelope, clock());
      },
    },
  });
}
