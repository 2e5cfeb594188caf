import { silenceMatches } from '@obs/domain';
import type { Envelope, PayloadOf } from '@obs/event-envelope';
import type { Transaction } from '@obs/service-kit';
import { In } from 'typeorm';
import { NotificationEntity, type NotificationRow } from '../notification.repository.js';
import { ReceiverEntity } from '../receiver.repository.js';
import { activeSilences } from '../silence.queries.js';
import {
  alertmanagerFingerprint,
  GO_ZERO_TIME,
  type AlertmanagerMessage,
} from './alertmanager-payload.js';
import { notificationIdOf } from './escalation-notifications.js';

/**
 * Notifications of an SLO's multiwindow burn-rate alerts (SloBurnRateAlertFired/Resolved from
 * slo-service, docs/services/slo.md#burn-rate-alerts), written in the consumer's transaction
 * next to its inbox row, so the notification-delivery job sends them like an alert rule's: the
 * same table, retries, signing and SSRF policy.
 *
 * - **Receivers** are the ids the SLO names (`burnRateAlerts.receivers`, carried by the event),
 *   looked up in the envelope's tenant when the event arrives; an id naming none (deleted since,
 *   another tenant's) is skipped. A resolution goes only to receivers with `sendResolved` (and
 *   always to an `alertmanager` one, as for rules) that were queued the episode's firing.
 * - **Idempotent by event id**: the kit's inbox applies an event once; the row ids are derived
 *   from (event id, receiver id) and inserted with ON CONFLICT DO NOTHING as well.
 * - **Silences** apply as to a rule's alerts: one matching the alert's labels now mutes it.
 * - **Old events** (older than SLO_ALERT_NOTIFY_MAX_AGE_MS when consumed: the consumer starts from
 *   the earliest offset on its first deployment) are history, not a page: nothing is queued.
 */
export const SLO_ALERT_NOTIFY_MAX_AGE_MS = 60 * 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ALERTNAME = 'SloBurnRate';

type Fired = PayloadOf<'SloBurnRateAlertFired'>;
type Resolved = PayloadOf<'SloBurnRateAlertResolved'>;
type BurnAlert = Fired | (Resolved & { readonly resolvedAt: string });

/** Ours, stored on the row: one per SLO and severity (a page and a ticket are two alerts). */
export const sloAlertFingerprint = (alert: Pick<Fired, 'sloId' | 'severity'>): string =>
  `${alert.sloId}:${alert.severity}`;

/**
 * The alert's labels, the same at firing and resolution so receivers (and an Alertmanager)
 * match the two: the SLO's dimensions, then `alertname: SloBurnRate`, `slo_id`, `slo_name`,
 * `severity` (page | ticket) and `project` (a dimension never overrides these). Which rules
 * fired is an annotation: it may differ between the firing and the resolution.
 */
export function sloAlertLabels(alert: BurnAlert): Record<string, string> {
  return {
    ...alert.dimensions,
    alertname: ALERTNAME,
    slo_id: alert.sloId,
    slo_name: alert.name,
    severity: alert.severity,
    project: alert.projectId,
  };
}

const rate = (value: number | null): string => (value === null ? 'n/a' : value.toFixed(2));

/** The burn-rate alert as an Alertmanager v4 webhook message, firing or resolved. */
export function sloBurnMessage(receiverName: string, alert: BurnAlert): AlertmanagerMessage {
  const resolved = 'resolvedAt' in alert;
  const status = resolved ? 'resolved' : 'firing';
  const labels = sloAlertLabels(alert);
  const rules = alert.rules
    .map((r) => `${r.rule} (${r.threshold}× over ${r.longWindow} and ${r.shortWindow})`)
    .join(', ');
  const annotations: Record<string, string> = {
    summary: `SLO ${alert.name} (${alert.target}% over ${alert.windowMinutes}m) is burning its error budget: ${rules}`,
    rules: alert.rules.map((r) => r.rule).join(','),
    budgetRemaining: String(alert.budgetRemaining),
    errorBudget: String(alert.errorBudget),
    ...Object.fromEntries(
      Object.entries(alert.burnRates).map(([window, value]) => [`burnRate${window}`, rate(value)]),
    ),
    fingerprint: sloAlertFingerprint(alert),
  };
  const groupLabels = { alertname: ALERTNAME, slo_id: alert.sloId };
  return {
    receiver: receiverName,
    status,
    alerts: [
      {
        status,
        labels,
        annotations,
        startsAt: alert.firedAt,
        endsAt: resolved ? alert.resolvedAt : GO_ZERO_TIME,
        generatorURL: '',
        fingerprint: alertmanagerFingerprint(sloAlertFingerprint(alert)),
      },
    ],
    notification_reason: 'first notification',
    groupLabels,
    commonLabels: labels,
    commonAnnotations: annotations,
    routeLabels: {},
    externalURL: '',
    version: '4',
    groupKey: `{}:{alertname=${JSON.stringify(ALERTNAME)}, slo_id=${JSON.stringify(alert.sloId)}}`,
    truncatedAlerts: 0,
  };
}

/** The receivers queued the firing notification of this episode (same fingerprint and start). */
async function receiversToldOf(
  tx: Transaction,
  tenantId: string,
  alert: BurnAlert,
): Promise<Set<string>> {
  const rows = await tx.manager
    .getRepository(NotificationEntity)
    .createQueryBuilder('n')
    .select('DISTINCT n.receiver_id', 'receiver_id')
    .where('n.tenant_id = :tenantId AND n.fingerprint = :fingerprint', {
      tenantId,
      fingerprint: sloAlertFingerprint(alert),
    })
    .andWhere(
      `n.payload->>'status' = 'firing' AND n.payload->'alerts'->0->>'startsAt' = :firedAt`,
      { firedAt: alert.firedAt },
    )
    .getRawMany<{ receiver_id: string }>();
  return new Set(rows.map((r) => r.receiver_id));
}

/** Queues the alert's notifications; returns how many rows it wrote. */
export async function queueSloBurnNotifications(
  tx: Transaction,
  envelope: Envelope<'SloBurnRateAlertFired'> | Envelope<'SloBurnRateAlertResolved'>,
  now: number,
): Promise<number> {
  const alert: BurnAlert = envelope.payload;
  const resolved = 'resolvedAt' in alert;
  const at = resolved ? alert.resolvedAt : alert.firedAt;
  if (now - Date.parse(at) > SLO_ALERT_NOTIFY_MAX_AGE_MS) return 0;
  const ids = [...new Set(alert.receivers.map((id) => id.toLowerCase()))].filter((id) =>
    UUID.test(id),
  );
  if (ids.length === 0 || !UUID.test(alert.sloId)) return 0;
  const silences = await activeSilences(tx.manager, envelope.tenantId, now);
  const labels = sloAlertLabels(alert);
  if (silences.some((s) => silenceMatches(s, labels))) return 0;
  let receivers = await tx.manager
    .getRepository(ReceiverEntity)
    .find({ where: { tenantId: envelope.tenantId, id: In(ids) }, order: { id: 'ASC' } });
  if (resolved) {
    const told = await receiversToldOf(tx, envelope.tenantId, alert);
    receivers = receivers.filter(
      (r) => told.has(r.id) && (r.sendResolved || r.type === 'alertmanager'),
    );
  }
  if (receivers.length === 0) return 0;
  const rows: NotificationRow[] = receivers.map((receiver) => ({
    id: notificationIdOf(envelope.eventId, receiver.id),
    tenantId: envelope.tenantId,
    receiverId: receiver.id,
    alertRuleId: null,
    sloId: alert.sloId.toLowerCase(),
    incidentId: null,
    fingerprint: sloAlertFingerprint(alert),
    payload: sloBurnMessage(receiver.name, alert),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: new Date(now),
    lastError: null,
    lastStatusCode: null,
    createdAt: new Date(now),
    deliveredAt: null,
  }));
  const result = await tx.manager
    .createQueryBuilder()
    .insert()
    .into(NotificationEntity)
    .values(rows)
    .orIgnore()
    .execute();
  return result.identifiers.filter((identifier) => identifier !== undefined).length;
}
