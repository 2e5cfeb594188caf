import type { AlertmanagerMessage } from './alertmanager-payload.js';
import { postJson } from './http-post.js';
import { alertLines, firingCount, ruleUrlOf, summaryOf, titleOf } from './message-text.js';
import { httpVerdict, required, type NotificationSender } from './sender.js';

/** Slack's limits: a header's text, a section's text. */
const HEADER_MAX = 150;
const SECTION_MAX = 3_000;

/** Slack mrkdwn needs &, < and > escaped; everything else is shown as written. */
const escape = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

export interface SlackMessage {
  /** The fallback: what the push notification and a client without blocks show. */
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

/**
 * The incoming-webhook JSON for one notification: `text` (title and summary) and `blocks` — a
 * header (`🔥 [FIRING:2] checkout p95 latency (critical)` or `✅ [RESOLVED] …`), the condition,
 * severity, project and alert count as fields, one line per alert of the group (the first 25,
 * then how many more), and a context line linking the rule.
 */
export function slackMessage(message: AlertmanagerMessage, externalUrl: string): SlackMessage {
  const title = titleOf(message);
  const summary = summaryOf(message);
  const icon = message.status === 'firing' ? '🔥' : '✅';
  const labels = message.commonLabels;
  const fields = [
    ['Severity', labels.severity],
    ['Project', labels.projectId],
    ['Module', labels.moduleId],
    ['Alerts', `${firingCount(message)} firing, ${message.alerts.length} in this notification`],
  ]
    .filter((field): field is [string, string] => field[1] !== undefined)
    .map(([name, value]) => ({ type: 'mrkdwn', text: `*${name}*\n${escape(value)}` }));
  const lines = alertLines(message).map((line) => `• ${escape(line)}`);
  const ruleUrl = ruleUrlOf(message, externalUrl);
  const context = [
    ruleUrl === undefined ? undefined : `<${ruleUrl}|rule ${escape(labels.alertRuleId ?? '')}>`,
    `status ${message.status}`,
  ].filter((part): part is string => part !== undefined);
  return {
    text: `${title}: ${summary}`,
    blocks: [
      {
        type: 'header',
        text: { type: 'plain_text', text: clip(`${icon} ${title}`, HEADER_MAX), emoji: true },
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: clip(`*${escape(summary)}*`, SECTION_MAX) },
        fields,
      },
      { type: 'section', text: { type: 'mrkdwn', text: clip(lines.join('\n'), SECTION_MAX) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] },
    ],
  };
}

/**
 * `slack`: a POST of the incoming-webhook JSON to the receiver's URL, through the SSRF policy.
 * Slack answers 200 `ok`, 4xx for a bad payload or a revoked hook (final), 429 with Retry-After
 * and 5xx (retried), the same rules as a webhook.
 */
export const slackSender: NotificationSender = {
  type: 'slack',
  async send(notification, receiver, context) {
    const body = JSON.stringify(slackMessage(notification.payload, context.externalUrl));
    const outcome = await postJson(required(receiver.url, 'url'), {}, body, context);
    return httpVerdict(outcome, context.now);
  },
};
