import { randomUUID } from 'node:crypto';
import {
  receiverIdsOf,
  type AlertAction,
  type AlertResolvedPayload,
  type AlertTriggeredPayload,
  type DomainEvent,
} from '@obs/domain';
import type { Transaction } from '@obs/service-kit';
import { In } from 'typeorm';
import { NotificationEntity, type NotificationRow } from '../notification.repository.js';
import { ReceiverEntity } from '../receiver.repository.js';
import { firingMessage, resolvedMessage } from './alertmanager-payload.js';

/**
 * Queues one notification per receiver the rule's webhook actions name, for each AlertTriggered
 * the evaluation just recorded (and for each AlertResolved, to the receivers with sendResolved),
 * in the evaluation's own transaction: the alert and the duty to tell its receivers commit
 * together or not at all. A receiver deleted since the rule named it is skipped; a `muted`
 * fingerprint (silenced) gets nothing; a resolution goes only to receivers told of the firing. Due at once (`now`, the service clock); the delivery job sends them.
 */
/** The receivers that were sent (queued) the firing notification of this alert's episode. */
async function receiversToldOf(
  tx: Transaction,
  tenantId: string,
  alert: Pick<AlertResolvedPayload, 'fingerprint' | 'activeAt'>,
): Promise<Set<string>> {
  const rows = await tx.manager
    .getRepository(NotificationEntity)
    .createQueryBuilder('n')
    .select('DISTINCT n.receiver_id', 'receiver_id')
    .where('n.tenant_id = :tenantId AND n.fingerprint = :fingerprint', {
      tenantId,
      fingerprint: alert.fingerprint,
    })
    .andWhere(
      `n.payload->>'status' = 'firing' AND n.payload->'alerts'->0->>'startsAt' = :activeAt`,
      {
        activeAt: alert.activeAt,
      },
    )
    .getRawMany<{ receiver_id: string }>();
  return new Set(rows.map((r) => r.receiver_id));
}

export async function queueNotifications(
  tx: Transaction,
  tenantId: string,
  actions: readonly AlertAction[],
  events: readonly DomainEvent[],
  now: number,
  muted: ReadonlySet<string> = new Set(),
): Promise<number> {
  const alerts = events.filter(
    (e) => e.eventType === 'AlertTriggered' || e.eventType === 'AlertResolved',
  );
  const receiverIds = receiverIdsOf(actions);
  if (alerts.length === 0 || receiverIds.length === 0) return 0;
  const receivers = await tx.manager
    .getRepository(ReceiverEntity)
    .find({ where: { tenantId, id: In(receiverIds) }, order: { id: 'ASC' } });
  const rows: NotificationRow[] = [];
  for (const event of alerts) {
    const resolved = event.eventType === 'AlertResolved';
    const alert = event.payload as AlertTriggeredPayload | AlertResolvedPayload;
    if (muted.has(alert.fingerprint)) continue;
    // A resolution goes only to the receivers told of the episode's firing (not silenced then).
    const told = resolved ? await receiversToldOf(tx, tenantId, alert) : undefined;
    for (const receiver of receivers) {
      // Resolved notifications only to the receivers that asked (Alertmanager's send_resolved),
      // and always to an Alertmanager: it needs the resolution to end the alert it holds.
      if (resolved && !receiver.sendResolved && receiver.type !== 'alertmanager') continue;
      if (told !== undefined && !told.has(receiver.id)) continue;
      rows.push({
        id: randomUUID(),
        tenantId,
        receiverId: receiver.id,
        alertRuleId: alert.alertRuleId,
        fingerprint: alert.fingerprint,
        payload: resolved
          ? resolvedMessage(receiver.name, alert as AlertResolvedPayload)
          : firingMessage(receiver.name, alert as AlertTriggeredPayload),
        status: 'pending',
        attempts: 0,
        nextAttemptAt: new Date(now),
        lastError: null,
        lastStatusCode: null,
        createdAt: new Date(now),
        deliveredAt: null,
      });
    }
  }
  if (rows.length > 0) await tx.manager.getRepository(NotificationEntity).insert(rows);
  return rows.length;
}
