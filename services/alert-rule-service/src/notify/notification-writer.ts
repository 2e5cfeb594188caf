import { randomUUID } from 'node:crypto';
import {
  isReceiverTarget,
  notificationGrouping,
  type AlertAction,
  type NotificationGrouping,
  type AlertResolvedPayload,
  type AlertTriggeredPayload,
  type DomainEvent,
} from '@obs/domain';
import type { Transaction } from '@obs/service-kit';
import { In } from 'typeorm';
import { NotificationEntity, type NotificationRow } from '../notification.repository.js';
import { ReceiverEntity } from '../receiver.repository.js';
import { firingAlert, resolvedAlert, resolvedMessage } from './alertmanager-payload.js';
import { addFiring, flushGroup, resolveInGroup } from './notification-groups.js';

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

/** Each receiver a rule's webhook actions name, with that action's grouping (defaults applied). */
function routesOf(actions: readonly AlertAction[]): Map<string, NotificationGrouping> {
  const routes = new Map<string, NotificationGrouping>();
  for (const action of actions) {
    if (isReceiverTarget(action) && !routes.has(action.target)) {
      routes.set(action.target, notificationGrouping(action));
    }
  }
  return routes;
}

/**
 * Puts each AlertTriggered and AlertResolved the evaluation just recorded into the notification
 * groups of the receivers the rule's webhook actions name (notification-groups.ts), in the
 * evaluation's own transaction: the alert and the duty to tell its receivers commit together or
 * not at all. A group due now (groupWaitSeconds 0) is flushed at once, in this transaction; the
 * others wait for the flush job. A receiver deleted since the rule named it is skipped; a `muted`
 * fingerprint (silenced, inhibited) joins no group, and its resolution leaves its group unsaid.
 * A resolution no group holds (an alert that fired before groups existed) is notified as before:
 * alone, to the receivers told of the firing that have sendResolved. Notifications are due at
 * once (`now`, the service clock); the delivery job sends them. Answers the rows queued now.
 */
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
  const routes = routesOf(actions);
  if (alerts.length === 0 || routes.size === 0) return 0;
  const receivers = await tx.manager
    .getRepository(ReceiverEntity)
    .find({ where: { tenantId, id: In([...routes.keys()]) }, order: { id: 'ASC' } });
  const rows: NotificationRow[] = [];
  const due = new Set<string>();
  for (const event of alerts) {
    const resolved = event.eventType === 'AlertResolved';
    const alert = event.payload as AlertTriggeredPayload | AlertResolvedPayload;
    const silent = muted.has(alert.fingerprint);
    if (silent && !resolved) continue;
    let told: Set<string> | undefined;
    for (const receiver of receivers) {
      const target = {
        tenantId,
        alertRuleId: alert.alertRuleId,
        receiverId: receiver.id,
        grouping: routes.get(receiver.id) ?? notificationGrouping({}),
      };
      if (!resolved) {
        const group = await addFiring(
          tx.manager,
          target,
          alert.fingerprint,
          firingAlert(alert as AlertTriggeredPayload),
          now,
        );
        if (group.due) due.add(group.id);
        continue;
      }
      const item = resolvedAlert(alert as AlertResolvedPayload);
      if (await resolveInGroup(tx.manager, target, alert.fingerprint, item, !silent)) continue;
      // Fired before groups: resolved alone, to the receivers that asked and were told of it.
      if (silent) continue;
      if (!receiver.sendResolved && receiver.type !== 'alertmanager') continue;
      told ??= await receiversToldOf(tx, tenantId, alert);
      if (!told.has(receiver.id)) continue;
      rows.push({
        id: randomUUID(),
        tenantId,
        receiverId: receiver.id,
        alertRuleId: alert.alertRuleId,
        fingerprint: alert.fingerprint,
        payload: resolvedMessage(receiver.name, alert as AlertResolvedPayload),
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
  let queued = rows.length;
  for (const id of due) queued += await flushGroup(tx.manager, id, now);
  return queued;
}
