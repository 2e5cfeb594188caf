import { topicFor } from '@obs/event-envelope';
import type { ServiceDefinition } from '@obs/service-kit';
import { alertRuleConfigFrom, type AlertRuleServiceConfig } from './config.js';
import { AlertEvaluationEntity, AlertRuleEntity, alertRuleStore } from './alert-rule.repository.js';
import { MetricCatalogue } from './metric-catalogue.js';
import { metricAggregatedConsumer } from './consumers/metric-aggregated.consumer.js';
import { incidentEscalatedConsumer } from './consumers/incident-escalated.consumer.js';
import { sloBurnRateAlertConsumer } from './consumers/slo-burn-rate-alert.consumer.js';
import { feedbackRoutedConsumer } from './consumers/feedback-routed.consumer.js';
import { CreateAlertRules1730000000001 } from './migrations/1730000000001-create-alert-rules.js';
import { DropKnownMetrics1730000000002 } from './migrations/1730000000002-drop-known-metrics.js';
import { alertRuleRoutes } from './routes/alert-rule.routes.js';
import { receiverRoutes } from './routes/receiver.routes.js';
import { CreateReceiversAndNotifications1730000000003 } from './migrations/1730000000003-create-receivers-and-notifications.js';
import { ReceiverKinds1730000000004 } from './migrations/1730000000004-receiver-kinds.js';
import { CreateSilences1730000000005 } from './migrations/1730000000005-create-silences.js';
import { NotificationSources1730000000020 } from './migrations/1730000000020-notification-sources.js';
import { CreateInhibitionRules1730000000006 } from './migrations/1730000000006-create-inhibition-rules.js';
import {
  FiringAlertEntity,
  InhibitionRuleEntity,
  inhibitionRuleStore,
} from './inhibition-rule.repository.js';
import { inhibitionRuleRoutes } from './routes/inhibition-rule.routes.js';
import { CreateNotificationGroups1730000000007 } from './migrations/1730000000007-create-notification-groups.js';
import { NotificationGroupEntity } from './notification-group.repository.js';
import { notificationGroupFlushJob } from './jobs/notification-group-flush.job.js';
import { NotificationsWake1730000000021 } from './migrations/1730000000021-notifications-wake.js';
import { SilenceEntity, silenceStore } from './silence.repository.js';
import { silenceRoutes } from './routes/silence.routes.js';
import { ReceiverEntity, receiverStore } from './receiver.repository.js';
import { NotificationEntity } from './notification.repository.js';
import { notificationDeliveryJob } from './jobs/notification-delivery.job.js';
import { alertClockJob } from './jobs/alert-clock.job.js';
import { DEFAULT_ALERT_CLOCK } from './config.js';

const DESCRIPTION = `Alert rules: conditions over metric series. Each closed window (MetricAggregated) of
the rule's window size is evaluated against every enabled rule on its metric, per group key, in
event-time order (windows arriving late within a grace are put in their place); a group moves
inactive → pending → firing once the condition held for forMinutes of event time, and AlertTriggered
is published once per firing episode on obs.alert-rule.v1, with a fingerprint (rule id + group key)
and the rule's actions, and AlertResolved once the condition stopped holding for
ALERT_RESOLVE_AFTER_WINDOWS closed windows (a missing window counts). Event time also advances with
the wall clock (the alert-clock job), so an episode whose metric goes silent is still announced.
Rules may only name metrics the tenant reports, resolved with the caller's token against
metric-aggregation-service's catalogue (GET /v1/metrics/{name}); ?allowUnresolved=true accepts a metric
not seen yet. Receivers (/v1/receivers) are the tenant's notification targets — webhook (an
Alertmanager v4 message signed per Standard Webhooks), slack (incoming webhook), email (SMTP) and
alertmanager (an existing Alertmanager's /api/v2/alerts) — named by rules' webhook actions: each
AlertTriggered joins a notification group per receiver in the same transaction (Alertmanager
grouping: the action's groupBy, groupWaitSeconds 30, groupIntervalSeconds 300,
repeatIntervalSeconds 4 h), flushed into one notification listing the group's alerts (resolved ones
to receivers with sendResolved), delivered by the receiver's kind, retried with backoff,
visible at /v1/notifications. SLO burn-rate alerts (SloBurnRateAlertFired/Resolved from slo-service)
and escalation steps (IncidentEscalated) are delivered to the receivers they name. Silences (/v1/silences, Alertmanager matchers =, !=, =~, !~ over the
alert's labels) mute alerts while active: the alert keeps its state, its AlertTriggered carries
silenced: true and no actions, nothing is sent and no incident opened. Inhibition rules
(/v1/inhibition-rules, Alertmanager inhibit_rules) mute an alert that fires while another firing alert
matches their source matchers with the same \`equal\` labels: its AlertTriggered carries inhibitedBy
and no actions. Reads need the \`read\` scope, changes \`write\`.`;

export { alertRuleConfigFrom, type AlertRuleServiceConfig } from './config.js';

/**
 * The service definition for a given configuration (tests pass their own; the kit's Env only
 * carries platform-wide settings, so the service reads its own with alertRuleConfigFrom).
 */
export function createAlertRuleService(config: AlertRuleServiceConfig): ServiceDefinition {
  return {
    name: 'alert-rule-service',
    schema: 'alert_rule',
    defaultPort: 4105,
    openapi: { title: 'alert-rule-service', description: DESCRIPTION, version: '1.0.0' },
    entities: [
      AlertRuleEntity,
      AlertEvaluationEntity,
      ReceiverEntity,
      NotificationEntity,
      SilenceEntity,
      InhibitionRuleEntity,
      FiringAlertEntity,
      NotificationGroupEntity,
    ],
    migrations: [
      CreateAlertRules1730000000001,
      DropKnownMetrics1730000000002,
      CreateReceiversAndNotifications1730000000003,
      ReceiverKinds1730000000004,
      CreateSilences1730000000005,
      CreateInhibitionRules1730000000006,
      CreateNotificationGroups1730000000007,
      NotificationSources1730000000020,
      NotificationsWake1730000000021,
    ],
    topics: [topicFor('AlertTriggered')],
    compose: (ctx) => {
      const store = alertRuleStore(ctx.dataSource, ctx.uow);
      const receivers = receiverStore(ctx.dataSource, ctx.uow);
      const silences = silenceStore(ctx.dataSource, ctx.uow);
      const inhibitionRules = inhibitionRuleStore(ctx.dataSource, ctx.uow);
      const catalogue = new MetricCatalogue(config.metricServiceUrl);
      return {
        routes: (app) => {
          alertRuleRoutes(app, ctx, store, config, catalogue);
          receiverRoutes(app, ctx, receivers);
          silenceRoutes(app, ctx, silences);
          inhibitionRuleRoutes(app, ctx, inhibitionRules);
        },
        consumers: [
          metricAggregatedConsumer(config, ctx.clock),
          incidentEscalatedConsumer(ctx.clock),
          sloBurnRateAlertConsumer(ctx.clock),
          feedbackRoutedConsumer(ctx.clock),
        ],
        jobs: [
          notificationGroupFlushJob(ctx, config.notify),
          notificationDeliveryJob(ctx, config.notify),
          alertClockJob(ctx, config, config.clock ?? DEFAULT_ALERT_CLOCK),
        ],
      };
    },
  };
}

/** Configured from the process environment (ALERT_LATENESS_GRACE_MS). */
export const alertRuleService: ServiceDefinition = createAlertRuleService(
  alertRuleConfigFrom(process.env),
);
