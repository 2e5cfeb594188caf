import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import { queueSloBurnNotifications } from '../notify/slo-burn-notifications.js';

/**
 * SloBurnRateAlertFired / SloBurnRateAlertResolved (obs.slo-definition.v1, from slo-service) →
 * one notification per receiver the SLO names for its burn-rate alerts, as an Alertmanager v4
 * alert, queued in the consumer's transaction beside its inbox row (exactly once per event) and
 * sent by the notification-delivery job. See notify/slo-burn-notifications.ts.
 */
export function sloBurnRateAlertConsumer(clock: () => number = Date.now): ConsumerDefinition {
  return consumerOf('slo-burn-rate-alert', {
    // earliest: an alert published while this group first joins must not be lost. Old ones (a
    // first deployment, a re-drive) are not sent: SLO_ALERT_NOTIFY_MAX_AGE_MS.
    startFrom: 'earliest',
    on: {
      SloBurnRateAlertFired: async (envelope, tx) => {
        await queueSloBurnNotifications(tx, envelope, clock());
      },
      SloBurnRateAlertResolved: async (envelope, tx) => {
        await queueSloBurnNotifications(tx, envelope, clock());
      },
    },
  });
}
