import type { AlertmanagerMessage } from './alertmanager-payload.js';
import { postJson } from './http-post.js';
import { ruleUrlOf } from './message-text.js';
import { httpVerdict, required, type NotificationSender } from './sender.js';

/**
 * How long an Alertmanager keeps a firing alert of ours without hearing of it again: its `endsAt`
 * is the attempt's time plus this. Prometheus re-sends firing alerts every evaluation; we send an
 * episode's firing once and its resolution when it ends (always, whatever sendResolved says), so
 * the horizon is long, and an episode whose resolution is never sent (the rule deleted or changed
 * mid-episode) still ends in the Alertmanager a day later rather than never.
 */
export const ALERTMANAGER_FIRING_HORIZON_MS = 24 * 3_600_000;

/** Alertmanager's `postableAlert` (api/v2/openapi.yaml). */
export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
}

/**
 * The message's alerts as Alertmanager's API takes them: labels and annotations as they are,
 * `startsAt` the episode's start, `endsAt` the resolution (resolved) or now + the firing horizon
 * (firing), `generatorURL` the rule in this service's API. The Alertmanager then groups, routes,
 * silences and inhibits them with the team's own configuration.
 */
export function postableAlerts(
  message: AlertmanagerMessage,
  now: number,
  externalUrl: string,
): PostableAlert[] {
  const ruleUrl = ruleUrlOf(message, externalUrl) ?? externalUrl;
  return message.alerts.map((alert) => ({
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: alert.startsAt,
    endsAt:
      alert.status === 'resolved'
        ? alert.endsAt
        : new Date(now + ALERTMANAGER_FIRING_HORIZON_MS).toISOString(),
    generatorURL: alert.generatorURL === '' ? ruleUrl : alert.generatorURL,
  }));
}

/** The receiver's base URL and `/api/v2/alerts`, with no doubled slash. */
export function alertsEndpoint(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v2/alerts`;
  return url.toString();
}

/**
 * `alertmanager`: a POST of the alerts to `<url>/api/v2/alerts`, through the SSRF policy.
 * Alertmanager answers 200, 400 for an alert it refuses (final) and 5xx when it cannot take it
 * now (retried): the webhook rules.
 */
export const alertmanagerSender: NotificationSender = {
  type: 'alertmanager',
  async send(notification, receiver, context) {
    const body = JSON.stringify(
      postableAlerts(notification.payload, context.now, context.externalUrl),
    );
    const outcome = await postJson(
      alertsEndpoint(required(receiver.url, 'url')),
      {},
      body,
      context,
    );
    return httpVerdict(outcome, context.now);
  },
};
