import { GROUP_BY_ALL } from '@obs/domain';
import type { AlertmanagerAlert, AlertmanagerMessage } from './alertmanager-payload.js';

/**
 * Alertmanager's aggregation groups (dispatch/dispatch.go, notify/notify.go DedupStage), as pure
 * functions over a group's stored state; notification-groups.ts keeps that state in PostgreSQL.
 */

/** A group's alerts by our fingerprint (`<rule id>:<group key>`), each as the message lists it. */
export type GroupedAlerts = Readonly<Record<string, AlertmanagerAlert>>;

/** What the group last told its receiver (Alertmanager's notification log entry). */
export interface GroupLog {
  /** null: never notified. */
  readonly lastNotifiedAt: number | null;
  readonly lastFiring: readonly string[];
  readonly lastResolved: readonly string[];
}

/**
 * The group labels of an alert under a receiver action's `groupBy`: always `alertname` and
 * `alertRuleId` (the "route" is the rule's action, so a group never mixes rules), then the listed
 * labels the alert has (Alertmanager leaves out a missing one), or every label for `['...']`.
 */
export function groupLabelsOf(
  labels: Readonly<Record<string, string>>,
  groupBy: readonly string[],
): Record<string, string> {
  const picked: Record<string, string> = {};
  const names = groupBy.includes(GROUP_BY_ALL) ? Object.keys(labels) : groupBy;
  for (const name of names) {
    const value = labels[name];
    if (value !== undefined) picked[name] = value;
  }
  Object.assign(picked, {
    alertname: labels.alertname ?? '',
    alertRuleId: labels.alertRuleId ?? '',
  });
  return picked;
}

/** Alertmanager's group key: the route's matchers (none: `{}`), then the sorted group labels. */
export function groupKeyOf(groupLabels: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(groupLabels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(groupLabels[name])}`);
  return `{}:{${pairs.join(', ')}}`;
}

const subset = (items: readonly string[], of: readonly string[]): boolean => {
  const set = new Set(of);
  return items.every((i) => set.has(i));
};

/**
 * Why a flush notifies, or undefined when it does not: Alertmanager's DedupStage.needsUpdate.
 * Never notified: only when something fires. New firing alerts: always. Every alert resolved
 * after some were told firing: yes (with sendResolved the receiver hears of it; without, nothing
 * is sent, but the log forgets them). New resolved alerts: with sendResolved. Otherwise once
 * repeatInterval has passed since the last notification.
 */
export function notifyReason(
  log: GroupLog,
  firing: readonly string[],
  resolved: readonly string[],
  sendResolved: boolean,
  repeatIntervalMs: number,
  now: number,
): string | undefined {
  if (log.lastNotifiedAt === null) return firing.length > 0 ? 'first notification' : undefined;
  if (!subset(firing, log.lastFiring)) return 'new alerts in group';
  if (firing.length === 0) return log.lastFiring.length > 0 ? 'alerts resolved' : undefined;
  if (sendResolved && !subset(resolved, log.lastResolved)) return 'alerts resolved';
  return log.lastNotifiedAt + repeatIntervalMs <= now ? 'repeat interval elapsed' : undefined;
}

/** The key/value pairs every record shares (Alertmanager's commonLabels/commonAnnotations). */
function common(records: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  const [first, ...rest] = records;
  const shared: Record<string, string> = {};
  if (first === undefined) return shared;
  for (const [key, value] of Object.entries(first)) {
    if (rest.every((r) => r[key] === value)) shared[key] = value;
  }
  return shared;
}

/**
 * One notification of a group (Alertmanager webhook v4): its alerts (firing first, then
 * resolved, each in fingerprint order), `status` firing while any alert fires, the group's labels
 * and key, and the labels and annotations all its alerts share.
 */
export function groupMessage(
  receiverName: string,
  group: { readonly groupKey: string; readonly groupLabels: Readonly<Record<string, string>> },
  alerts: readonly AlertmanagerAlert[],
  reason: string,
): AlertmanagerMessage {
  const ordered = [
    ...alerts.filter((a) => a.status === 'firing'),
    ...alerts.filter((a) => a.status === 'resolved'),
  ];
  return {
    receiver: receiverName,
    status: ordered.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: ordered,
    notification_reason: reason,
    groupLabels: { ...group.groupLabels },
    commonLabels: common(ordered.map((a) => a.labels)),
    commonAnnotations: common(ordered.map((a) => a.annotations)),
    routeLabels: {},
    externalURL: '',
    version: '4',
    groupKey: group.groupKey,
    truncatedAlerts: 0,
  };
}
