import { randomUUID } from 'node:crypto';
import { inhibitingRules, silenceMatches, type NotificationGrouping } from '@obs/domain';
import type { EntityManager } from 'typeorm';
import { tenantInhibitionRules } from '../inhibition-rule.queries.js';
import { NotificationEntity } from '../notification.repository.js';
import {
  NotificationGroupEntity,
  type NotificationGroupRow,
} from '../notification-group.repository.js';
import { ReceiverEntity } from '../receiver.repository.js';
import { activeSilences } from '../silence.queries.js';
import type { AlertmanagerAlert } from './alertmanager-payload.js';
import { firingAlerts } from './firing-alerts.js';
import { groupKeyOf, groupLabelsOf, groupMessage, notifyReason } from './notification-group.js';

/**
 * Notification groups in PostgreSQL, written in the caller's transaction: an alert joins its group
 * when it fires (a new group is due after groupWait), is marked resolved when it resolves, and a
 * flush turns a due group into at most one notification row, Alertmanager's way
 * (notification-group.ts), then schedules the next flush groupInterval later.
 */

const tableOf = (manager: EntityManager): string =>
  manager.getRepository(NotificationGroupEntity).metadata.tablePath;

/** Where an alert of a rule goes for one receiver: the group's identity. */
export interface GroupTarget {
  readonly tenantId: string;
  readonly alertRuleId: string;
  readonly receiverId: string;
  readonly grouping: NotificationGrouping;
}

function identity(target: GroupTarget, alert: AlertmanagerAlert) {
  const groupLabels = groupLabelsOf(alert.labels, target.grouping.groupBy);
  return { groupLabels, groupKey: groupKeyOf(groupLabels) };
}

/**
 * Adds a firing alert to its group, creating the group (due after groupWait) if it has none.
 * Answers the group's id and whether it is due at `now` (then the caller may flush it at once).
 */
export async function addFiring(
  manager: EntityManager,
  target: GroupTarget,
  fingerprint: string,
  alert: AlertmanagerAlert,
  now: number,
): Promise<{ id: string; due: boolean }> {
  const { groupLabels, groupKey } = identity(target, alert);
  const { grouping } = target;
  const rows = await manager.query<{ id: string; next_flush_at: Date }[]>(
    `INSERT INTO ${tableOf(manager)} AS g
       (id, tenant_id, alert_rule_id, receiver_id, group_key, group_labels, alerts,
        group_interval_ms, repeat_interval_ms, next_flush_at, last_notified_at, last_firing,
        last_resolved, created_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, jsonb_build_object($7::text, $8::jsonb), $9, $10,
             $11, NULL, '[]'::jsonb, '[]'::jsonb, $12)
     ON CONFLICT (tenant_id, alert_rule_id, receiver_id, group_key) DO UPDATE
       SET alerts = g.alerts || EXCLUDED.alerts,
           group_interval_ms = EXCLUDED.group_interval_ms,
           repeat_interval_ms = EXCLUDED.repeat_interval_ms
     RETURNING id, next_flush_at`,
    [
      randomUUID(),
      target.tenantId,
      target.alertRuleId,
      target.receiverId,
      groupKey,
      JSON.stringify(groupLabels),
      fingerprint,
      JSON.stringify(alert),
      grouping.groupIntervalSeconds * 1000,
      grouping.repeatIntervalSeconds * 1000,
      new Date(now + grouping.groupWaitSeconds * 1000),
      new Date(now),
    ],
  );
  const row = rows[0];
  if (row === undefined) throw new Error('the notification group upsert returned no row');
  return { id: row.id, due: new Date(row.next_flush_at).getTime() <= now };
}

/**
 * Marks an alert of its group resolved (`resolved` given) or drops it from the group (a muted
 * resolution: nothing is said of it). Answers false when no group holds the alert (it fired before
 * groups existed, or its rule named other receivers then).
 */
export async function resolveInGroup(
  manager: EntityManager,
  target: GroupTarget,
  fingerprint: string,
  alert: AlertmanagerAlert,
  resolved: boolean,
): Promise<boolean> {
  const { groupKey } = identity(target, alert);
  const alerts = resolved ? `jsonb_set(alerts, ARRAY[$5::text], $6::jsonb)` : `alerts - $5::text`;
  const rows = await manager.query<{ id: string }[]>(
    `UPDATE ${tableOf(manager)} SET alerts = ${alerts}
      WHERE tenant_id = $1 AND alert_rule_id = $2 AND receiver_id = $3 AND group_key = $4
        AND alerts ? $5::text
      RETURNING id`,
    [
      target.tenantId,
      target.alertRuleId,
      target.receiverId,
      groupKey,
      fingerprint,
      ...(resolved ? [JSON.stringify(alert)] : []),
    ],
  );
  // manager.query answers [rows, count] for an UPDATE … RETURNING on some drivers.
  const list = Array.isArray(rows[0]) ? (rows[0] as unknown as { id: string }[]) : rows;
  return list.length > 0;
}

/** The ids of groups due at `now`, oldest first, locked for this transaction (SKIP LOCKED). */
export async function claimDueGroup(
  manager: EntityManager,
  now: number,
): Promise<string | undefined> {
  const rows = await manager.query<{ id: string }[]>(
    `SELECT id FROM ${tableOf(manager)} WHERE next_flush_at <= $1
      ORDER BY next_flush_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
    [new Date(now)],
  );
  return rows[0]?.id;
}

/**
 * The group's alerts muted now (Alertmanager mutes at notification time too): an alert matched by
 * an active silence, a firing one by an inhibition rule. Left out of what is sent and logged.
 */
async function mutedNow(
  manager: EntityManager,
  group: NotificationGroupRow,
  now: number,
): Promise<Set<string>> {
  const muted = new Set<string>();
  const silences = await activeSilences(manager, group.tenantId, now);
  const rules = await tenantInhibitionRules(manager, group.tenantId);
  if (silences.length === 0 && rules.length === 0) return muted;
  const firing = rules.length > 0 ? await firingAlerts(manager, group.tenantId) : [];
  for (const [fingerprint, alert] of Object.entries(group.alerts)) {
    const silenced = silences.some((s) => silenceMatches(s, alert.labels));
    const inhibited =
      alert.status === 'firing' &&
      inhibitingRules(rules, { fingerprint, labels: alert.labels }, firing).length > 0;
    if (silenced || inhibited) muted.add(fingerprint);
  }
  return muted;
}

/**
 * Flushes one group (locked by the caller, or created in its transaction): decides whether its
 * receiver is owed a notification now, queues it (due at once: the delivery job sends it), logs
 * what was told, drops the resolved alerts, and schedules the next flush groupInterval later, or
 * deletes the group once it holds no alert. Answers the notification rows queued (0 or 1).
 */
export async function flushGroup(manager: EntityManager, id: string, now: number): Promise<number> {
  const groups = manager.getRepository(NotificationGroupEntity);
  const group = await groups.findOneBy({ id });
  if (!group) return 0;
  const receiver = await manager
    .getRepository(ReceiverEntity)
    .findOneBy({ id: group.receiverId, tenantId: group.tenantId });
  if (!receiver) {
    await groups.delete({ id });
    return 0;
  }
  // An Alertmanager always gets resolutions: it needs them to end the alerts it holds.
  const sendResolved = receiver.sendResolved || receiver.type === 'alertmanager';
  const muted = await mutedNow(manager, group, now);
  const entries = Object.entries(group.alerts)
    .filter(([fingerprint]) => !muted.has(fingerprint))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const firing = entries.filter(([, a]) => a.status === 'firing').map(([f]) => f);
  const resolved = entries.filter(([, a]) => a.status === 'resolved').map(([f]) => f);
  const log = {
    lastNotifiedAt: group.lastNotifiedAt?.getTime() ?? null,
    lastFiring: group.lastFiring,
    lastResolved: group.lastResolved,
  };
  const reason = notifyReason(
    log,
    firing,
    resolved,
    sendResolved,
    Number(group.repeatIntervalMs),
    now,
  );
  let queued = 0;
  if (reason !== undefined) {
    const sent = entries
      .filter(([, a]) => a.status === 'firing' || sendResolved)
      .map(([, alert]) => alert);
    if (sent.length > 0) {
      const [onlyFingerprint] = entries.length === 1 ? (entries[0] ?? []) : [];
      await manager.getRepository(NotificationEntity).insert({
        id: randomUUID(),
        tenantId: group.tenantId,
        receiverId: receiver.id,
        alertRuleId: group.alertRuleId,
        // One alert: its fingerprint, as before groups; several: the group's key.
        fingerprint: onlyFingerprint ?? group.groupKey,
        payload: groupMessage(receiver.name, group, sent, reason),
        status: 'pending',
        attempts: 0,
        nextAttemptAt: new Date(now),
        lastError: null,
        lastStatusCode: null,
        createdAt: new Date(now),
        deliveredAt: null,
      });
      queued = 1;
    }
  }
  // Resolved alerts have been dealt with (told, or not owed): they leave the group.
  const remaining = Object.fromEntries(
    Object.entries(group.alerts).filter(([, a]) => a.status === 'firing'),
  );
  if (Object.keys(remaining).length === 0) {
    await groups.delete({ id });
    return queued;
  }
  await groups.update(
    { id },
    {
      alerts: remaining,
      nextFlushAt: new Date(now + Number(group.groupIntervalMs)),
      ...(reason === undefined
        ? {}
        : { lastNotifiedAt: new Date(now), lastFiring: firing, lastResolved: resolved }),
    },
  );
  return queued;
}
