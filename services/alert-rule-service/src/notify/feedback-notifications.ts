import type { FeedbackItemRoutedPayload } from '@obs/domain';
import type { Envelope } from '@obs/event-envelope';
import type { Transaction } from '@obs/service-kit';
import { NotificationEntity, type NotificationRow } from '../notification.repository.js';
import { ReceiverEntity } from '../receiver.repository.js';
import {
  alertmanagerFingerprint,
  GO_ZERO_TIME,
  type AlertmanagerMessage,
} from './alertmanager-payload.js';
import { NIL_UUID, notificationIdOf } from './escalation-notifications.js';

/**
 * The notification that wakes whoever a feedback item was routed to (FeedbackItemRouted from
 * feedback-service, when its routing rule names a receiver): one row, written in the consumer's
 * transaction beside its inbox row, and sent by the notification-delivery job like any alert's:
 * the same table, retries, Standard Webhooks signing and SSRF address policy.
 *
 * - **Idempotent by event id**: the row id is derived from (event id, receiver id) and inserted
 *   with ON CONFLICT DO NOTHING, so a replay past the inbox writes nothing and the receiver sees
 *   one webhook-id per routing.
 * - **The receiver** is the tenant's; an id that names none (deleted since) queues nothing.
 * - **Columns**: `alert_rule_id` is the nil UUID (no alert rule), `fingerprint`
 *   `feedback:<feedbackItemId>`.
 */

/**
 * A routing older than this when consumed (24 hours) is history, not a wake-up: a group reading
 * from the start, or a re-drive, must not wake agents for items long handled.
 */
export const FEEDBACK_WAKE_MAX_AGE_MS = 24 * 60 * 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The routing as an Alertmanager v4 webhook message, so a receiver that takes our alerts takes
 * this unchanged: one firing "alert" named after the item, labelled with the item, its inbox,
 * category, sentiment and project; the summary says what to do and where to read it.
 */
export function feedbackRoutedMessage(
  receiverName: string,
  p: FeedbackItemRoutedPayload,
): AlertmanagerMessage {
  const alertname = `Feedback routed to ${p.routedTo}`;
  const labels: Record<string, string> = {
    alertname,
    feedbackItemId: p.feedbackItemId,
    routedTo: p.routedTo,
    category: p.category,
    sentiment: p.sentiment,
    ...(p.projectId === null ? {} : { projectId: p.projectId }),
    ...(p.artifactId === null ? {} : { artifactId: p.artifactId }),
    ...(p.feedbackRouteId === null ? {} : { feedbackRouteId: p.feedbackRouteId }),
  };
  const annotations: Record<string, string> = {
    summary: p.summary,
    routedAt: p.routedAt,
    inbox: `/v1/feedback?routedTo=${encodeURIComponent(p.routedTo)}&status=routed`,
    item: `/v1/feedback/${p.feedbackItemId}`,
  };
  const groupLabels = { alertname, feedbackItemId: p.feedbackItemId };
  return {
    receiver: receiverName,
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations,
        startsAt: p.routedAt,
        endsAt: GO_ZERO_TIME,
        generatorURL: '',
        fingerprint: alertmanagerFingerprint(`feedback:${p.feedbackItemId}`),
      },
    ],
    notification_reason: 'feedback routed',
    groupLabels,
    commonLabels: labels,
    commonAnnotations: annotations,
    routeLabels: {},
    externalURL: '',
    version: '4',
    groupKey: `{}:{feedbackItemId=${JSON.stringify(p.feedbackItemId)}}`,
    truncatedAlerts: 0,
  };
}

/** Queues the routing's notification; returns how many rows it wrote (0 or 1). */
export async function queueFeedbackNotification(
  tx: Transaction,
  envelope: Envelope<'FeedbackItemRouted'>,
  now: number,
): Promise<number> {
  const payload = envelope.payload;
  const receiverId = payload.receiverId?.toLowerCase();
  if (receiverId === undefined || !UUID.test(receiverId)) return 0;
  if (now - Date.parse(payload.routedAt) > FEEDBACK_WAKE_MAX_AGE_MS) return 0;
  const receiver = await tx.manager
    .getRepository(ReceiverEntity)
    .findOneBy({ tenantId: envelope.tenantId, id: receiverId });
  if (!receiver) return 0;
  const row: NotificationRow = {
    id: notificationIdOf(envelope.eventId, receiver.id),
    tenantId: envelope.tenantId,
    receiverId: receiver.id,
    alertRuleId: NIL_UUID,
    fingerprint: `feedback:${payload.feedbackItemId}`,
    payload: feedbackRoutedMessage(receiver.name, payload),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: new Date(now),
    lastError: null,
    lastStatusCode: null,
    createdAt: new Date(now),
    deliveredAt: null,
  };
  const result = await tx.manager
    .createQueryBuilder()
    .insert()
    .into(NotificationEntity)
    .values([row])
    .orIgnore()
    .execute();
  return result.identifiers.filter((identifier) => identifier !== undefined).length;
}
