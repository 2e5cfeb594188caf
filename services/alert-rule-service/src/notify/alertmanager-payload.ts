import { fnv1a128, type AlertResolvedPayload, type AlertTriggeredPayload } from '@obs/domain';

/**
 * The Alertmanager webhook message, version 4 (alertmanager notify/webhook/webhook.go `Message`,
 * embedding template/template.go `Data`, `Alert` and `KV`), so every tool that takes Alertmanager
 * webhooks takes ours unchanged. Field names and casing are Alertmanager's, `notification_reason`
 * included.
 */
export interface AlertmanagerAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  /** Go's zero time while firing, as Alertmanager sends it. */
  readonly endsAt: string;
  readonly generatorURL: string;
  /** 16 hex digits, like Alertmanager's model.Fingerprint. */
  readonly fingerprint: string;
}

export interface AlertmanagerMessage {
  readonly receiver: string;
  readonly status: 'firing' | 'resolved';
  readonly alerts: readonly AlertmanagerAlert[];
  readonly notification_reason: string;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly commonLabels: Readonly<Record<string, string>>;
  readonly commonAnnotations: Readonly<Record<string, string>>;
  readonly routeLabels: Readonly<Record<string, string>>;
  readonly externalURL: string;
  readonly version: '4';
  readonly groupKey: string;
  readonly truncatedAlerts: number;
}

/** Go's `time.Time{}` marshalled to JSON. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** Our fingerprint (`<rule id>:<group key>`) as the 16 hex digits Alertmanager tools expect. */
export function alertmanagerFingerprint(fingerprint: string): string {
  return fnv1a128(fingerprint).slice(0, 16);
}

/** Alertmanager's label value escaping inside a group key (`{}:{alertname="…"}`). */
const quoted = (value: string): string => JSON.stringify(value);

/**
 * One firing alert's notification. Labels: `alertname` (the rule's name), `severity`,
 * `alertRuleId`, `projectId`, `moduleId` when the rule has one, `metric`, then the group's
 * dimensions (a dimension never overrides one of ours). Grouping is per rule, so the group labels
 * are `alertname` and `alertRuleId`.
 */
export function firingMessage(
  receiverName: string,
  alert: AlertTriggeredPayload,
): AlertmanagerMessage {
  return message(receiverName, alert, {
    status: 'firing',
    endsAt: GO_ZERO_TIME,
    observedValue: String(alert.observedValue),
  });
}

/**
 * The same alert, resolved (Alertmanager's `send_resolved`): `status: "resolved"` on the message
 * and the alert, `endsAt` the episode's resolvedAt, the labels, fingerprint and group key of its
 * firing notification so receivers match the two. `observedValue` is the resolving window's value
 * ("no data" when the metric stopped reporting).
 */
export function resolvedMessage(
  receiverName: string,
  resolved: AlertResolvedPayload,
): AlertmanagerMessage {
  return message(receiverName, resolved, {
    status: 'resolved',
    endsAt: resolved.resolvedAt,
    observedValue: resolved.observedValue === null ? 'no data' : String(resolved.observedValue),
  });
}

type AlertFields = Pick<
  AlertTriggeredPayload,
  | 'alertRuleId'
  | 'ruleName'
  | 'fingerprint'
  | 'group'
  | 'severity'
  | 'metric'
  | 'aggregation'
  | 'operator'
  | 'threshold'
  | 'activeAt'
  | 'projectId'
  | 'moduleId'
> & { readonly forMinutes?: number };

/**
 * An alert's labels, what silences and inhibition rules match and every notification carries:
 * the group's dimensions, then `alertname` (the rule's name), `severity`, `alertRuleId`,
 * `projectId`, `moduleId` when the rule has one and `metric` (a dimension never overrides these).
 */
export function alertLabels(
  alert: Pick<
    AlertFields,
    'group' | 'ruleName' | 'severity' | 'alertRuleId' | 'projectId' | 'moduleId' | 'metric'
  >,
): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(alert.group)) labels[key] = value;
  Object.assign(labels, {
    alertname: alert.ruleName,
    severity: alert.severity,
    alertRuleId: alert.alertRuleId,
    projectId: alert.projectId,
    ...(alert.moduleId === null ? {} : { moduleId: alert.moduleId }),
    metric: alert.metric,
  });
  return labels;
}

/** One alert as a message lists it, firing or resolved. */
export function alertmanagerAlert(
  alert: AlertFields,
  state: { status: 'firing' | 'resolved'; endsAt: string; observedValue: string },
): AlertmanagerAlert {
  const held = alert.forMinutes === undefined ? '' : ` for ${alert.forMinutes}m`;
  return {
    status: state.status,
    labels: alertLabels(alert),
    annotations: {
      summary: `${alert.metric} ${alert.aggregation} ${alert.operator} ${alert.threshold}${held}`,
      observedValue: state.observedValue,
      threshold: String(alert.threshold),
      fingerprint: alert.fingerprint,
    },
    startsAt: alert.activeAt,
    endsAt: state.endsAt,
    generatorURL: '',
    fingerprint: alertmanagerFingerprint(alert.fingerprint),
  };
}

/** The firing alert of an AlertTriggered. */
export const firingAlert = (alert: AlertTriggeredPayload): AlertmanagerAlert =>
  alertmanagerAlert(alert, {
    status: 'firing',
    endsAt: GO_ZERO_TIME,
    observedValue: String(alert.observedValue),
  });

/** The resolved alert of an AlertResolved. */
export const resolvedAlert = (resolved: AlertResolvedPayload): AlertmanagerAlert =>
  alertmanagerAlert(resolved, {
    status: 'resolved',
    endsAt: resolved.resolvedAt,
    observedValue: resolved.observedValue === null ? 'no data' : String(resolved.observedValue),
  });

function message(
  receiverName: string,
  alert: AlertFields,
  state: { status: 'firing' | 'resolved'; endsAt: string; observedValue: string },
): AlertmanagerMessage {
  const only = alertmanagerAlert(alert, state);
  const groupLabels = { alertname: alert.ruleName, alertRuleId: alert.alertRuleId };
  return {
    receiver: receiverName,
    status: state.status,
    alerts: [only],
    notification_reason: 'first notification',
    groupLabels,
    commonLabels: only.labels,
    commonAnnotations: only.annotations,
    routeLabels: {},
    externalURL: '',
    version: '4',
    groupKey: `{}:{alertRuleId=${quoted(alert.alertRuleId)}, alertname=${quoted(alert.ruleName)}}`,
    truncatedAlerts: 0,
  };
}
