import { fnv1a128, type IncidentEscalatedPayload } from '@obs/domain';
import type { Envelope } from '@obs/event-envelope';
import type { Transaction } from '@obs/service-kit';
import { In } from 'typeorm';
import { NotificationEntity, type NotificationRow } from '../notification.repository.js';
import { ReceiverEntity } from '../receiver.repository.js';
import {
  alertmanagerFingerprint,
  GO_ZERO_TIME,
  type AlertmanagerMessage,
} from './alertmanager-payload.js';

/**
 * Notifications for an escalation step (IncidentEscalated from incident-service): one row per
 * receiver the step names, written in the consumer's transaction (next to its inbox row), so the
 * notification-delivery job sends them like any alert's: the same table, retries, signing and
 * SSRF policy.
 *
 * - **Idempotent by event id.** The kit's inbox makes a redelivered event a no-op; the row ids are
 *   also derived from (event id, receiver id), and inserted with ON CONFLICT DO NOTHING, so even a
 *   replay past the inbox writes nothing new, and a receiver sees one webhook-id per step.
 * - **Receivers** are the tenant's (the envelope's tenant; another tenant's id is unknown), looked
 *   up when the event arrives; an id that names none (deleted since, never existed) is skipped.
 * - **Columns.** `alert_rule_id` is the rule of the alert that opened the incident (the part of the
 *   fingerprint before `:`), or the nil UUID for an incident opened by hand or from an SLO;
 *   `incident_id` the incident when its id is a uuid (the `incidentId` filter of
 *   GET /v1/notifications; the contract's ids are any string);
 *   `fingerprint` is `incident:<incidentId>`, one per incident, so its notifications group.
 */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';
/**
 * An escalation older than this when it is consumed (1 hour, as incident-service's replay
 * horizon) is history, not a page: a consumer group reading from the start, or a re-drive, must
 * not page people about incidents long acknowledged. It queues nothing.
 */
export const ESCALATION_PAGE_MAX_AGE_MS = 60 * 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A stable uuid (RFC 9562 version 8) of the parts: the same event and receiver, the same id. */
export function notificationIdOf(eventId: string, receiverId: string): string {
  const h = fnv1a128(`${eventId}|${receiverId}`);
  const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The rule whose alert opened the incident, when its fingerprint (`<rule id>:<group>`) says so. */
export function alertRuleOf(sourceRef: string | null | undefined): string {
  const rule = (sourceRef ?? '').split(':')[0] ?? '';
  return UUID.test(rule) ? rule.toLowerCase() : NIL_UUID;
}

/**
 * The step as an Alertmanager v4 webhook message, so a receiver that takes our alert
 * notifications takes this one unchanged: one firing alert named after the incident, labelled
 * with the incident, its severity, project, escalation level and policy; the annotations say who
 * is on call and link the alert fingerprint that opened it.
 */
export function escalationMessage(
  receiverName: string,
  p: IncidentEscalatedPayload,
): AlertmanagerMessage {
  const title = p.title ?? `incident ${p.incidentId}`;
  const labels: Record<string, string> = {
    alertname: title,
    incidentId: p.incidentId,
    escalationLevel: String(p.level),
    ...(p.severity === undefined ? {} : { severity: p.severity }),
    ...(p.projectId === undefined ? {} : { projectId: p.projectId }),
    ...(p.escalationPolicyId ? { escalationPolicyId: p.escalationPolicyId } : {}),
  };
  const onCall = (p.onCall ?? []).flatMap((o) => (o.member === null ? [] : [o.member]));
  const annotations: Record<string, string> = {
    summary: `Incident escalated to level ${p.level} (${p.target}): ${title}`,
    escalatedAt: p.escalatedAt,
    ...(onCall.length > 0 ? { onCall: onCall.join(', ') } : {}),
    ...(p.sourceRef ? { sourceRef: p.sourceRef } : {}),
  };
  const groupLabels = { alertname: title, incidentId: p.incidentId };
  return {
    receiver: receiverName,
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations,
        startsAt: p.escalatedAt,
        endsAt: GO_ZERO_TIME,
        generatorURL: '',
        fingerprint: alertmanagerFingerprint(`incident:${p.incidentId}`),
      },
    ],
    notification_reason: `escalation level ${p.level}`,
    groupLabels,
    commonLabels: labels,
    commonAnnotations: annotations,
    routeLabels: {},
    externalURL: '',
    version: '4',
    groupKey: `{}:{incidentId=${JSON.stringify(p.incidentId)}}`,
    truncatedAlerts: 0,
  };
}

/** Queues the step's notifications; returns how many rows it wrote. */
export async function queueEscalationNotifications(
  tx: Transaction,
  envelope: Envelope<'IncidentEscalated'>,
  now: number,
): Promise<number> {
  const payload = envelope.payload;
  if (now - Date.parse(payload.escalatedAt) > ESCALATION_PAGE_MAX_AGE_MS) return 0;
  const ids = [...new Set((payload.receiverIds ?? []).map((id) => id.toLowerCase()))].filter((id) =>
    UUID.test(id),
  );
  if (ids.length === 0) return 0;
  const receivers = await tx.manager
    .getRepository(ReceiverEntity)
    .find({ where: { tenantId: envelope.tenantId, id: In(ids) }, order: { id: 'ASC' } });
  if (receivers.length === 0) return 0;
  const rows: NotificationRow[] = receivers.map((receiver) => ({
    id: notificationIdOf(envelope.eventId, receiver.id),
    tenantId: envelope.tenantId,
    receiverId: receiver.id,
    alertRuleId: alertRuleOf(payload.sourceRef),
    incidentId: UUID.test(payload.incidentId) ? payload.incidentId.toLowerCase() : null,
    fingerprint: `incident:${payload.incidentId}`,
    payload: escalationMessage(receiver.name, payload),
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
