import type { AlertmanagerAlert, AlertmanagerMessage } from './alertmanager-payload.js';

/**
 * Human-readable parts of an Alertmanager message, shared by the kinds that show it to people
 * (slack, email): a title in Alertmanager's default form, a summary, and one line per alert.
 */

/** The labels every alert of ours carries; the others are the group's dimensions. */
const OWN_LABELS = new Set([
  'alertname',
  'severity',
  'alertRuleId',
  'projectId',
  'moduleId',
  'metric',
]);

/** Alerts listed by name in a message; the rest are counted ("and 12 more"). */
export const LISTED_ALERTS_MAX = 25;

export const firingCount = (message: AlertmanagerMessage): number =>
  message.alerts.filter((a) => a.status === 'firing').length;

/** `[FIRING:2] checkout p95 latency (critical)`, `[RESOLVED] …`: Alertmanager's default title. */
export function titleOf(message: AlertmanagerMessage): string {
  const name = message.commonLabels.alertname ?? message.groupLabels.alertname ?? 'alert';
  const severity = message.commonLabels.severity;
  const state = message.status === 'firing' ? `[FIRING:${firingCount(message)}]` : '[RESOLVED]';
  return `${state} ${name}${severity === undefined ? '' : ` (${severity})`}`;
}

/** The rule's condition, e.g. `http.server.duration p95 gt 500 for 3m`. */
export function summaryOf(message: AlertmanagerMessage): string {
  return (
    message.commonAnnotations.summary ?? message.alerts[0]?.annotations.summary ?? message.status
  );
}

/** `service=payments-api`: the alert's group dimensions, or `(all series)` for an ungrouped rule. */
export function groupOf(alert: AlertmanagerAlert): string {
  const dimensions = Object.entries(alert.labels)
    .filter(([key]) => !OWN_LABELS.has(key))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${value}`);
  return dimensions.length === 0 ? '(all series)' : dimensions.join(', ');
}

/** One alert: its group, state, value and since when (until when, resolved). */
export function alertLine(alert: AlertmanagerAlert): string {
  const value = alert.annotations.observedValue;
  const valueText = value === undefined ? '' : ` value ${value}`;
  const when =
    alert.status === 'firing'
      ? `since ${alert.startsAt}`
      : `from ${alert.startsAt} to ${alert.endsAt}`;
  return `${groupOf(alert)}: ${alert.status}${valueText}, ${when}`;
}

/** The lines of the first LISTED_ALERTS_MAX alerts and, past them, how many more there are. */
export function alertLines(message: AlertmanagerMessage): string[] {
  const lines = message.alerts.slice(0, LISTED_ALERTS_MAX).map(alertLine);
  const more = message.alerts.length - LISTED_ALERTS_MAX;
  if (more > 0) lines.push(`and ${more} more`);
  return lines;
}

/** Where the rule is read: the service's own API. */
export function ruleUrlOf(message: AlertmanagerMessage, externalUrl: string): string | undefined {
  const ruleId = message.commonLabels.alertRuleId ?? message.groupLabels.alertRuleId;
  return ruleId === undefined ? undefined : `${externalUrl}/v1/alert-rules/${ruleId}`;
}
