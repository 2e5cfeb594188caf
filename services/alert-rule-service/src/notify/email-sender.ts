import { createTransport } from 'nodemailer';
import type { AlertmanagerMessage } from './alertmanager-payload.js';
import { messageOf, vetTarget } from './http-post.js';
import { alertLines, ruleUrlOf, summaryOf, titleOf } from './message-text.js';
import { required, type DeliveryVerdict, type NotificationSender } from './sender.js';

/** The domain of our Message-IDs: `<notification id>@alert-rule-service.obs`. */
const MESSAGE_ID_DOMAIN = 'alert-rule-service.obs';

/**
 * Errors without an SMTP reply that retrying cannot mend: the server refused our credentials or
 * has none to offer, TLS could not be set up as the receiver demands, the envelope or the
 * configuration is wrong. Anything else without a reply (connection refused or reset, timeout,
 * DNS) is retried.
 */
const FINAL_ERROR_CODES = new Set([
  'EAUTH',
  'ENOAUTH',
  'ETLS',
  'EREQUIRETLS',
  'EENVELOPE',
  'ECONFIG',
  'EMESSAGE',
]);

const escapeHtml = (text: string): string =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');

export interface EmailContent {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * The mail for one notification: the subject is Alertmanager's default title (`[FIRING:2]
 * checkout p95 latency (critical)`), the body the condition, one line per alert of the group
 * (the first 25, then how many more) and a link to the rule; as text and as HTML.
 */
export function emailContent(message: AlertmanagerMessage, externalUrl: string): EmailContent {
  const subject = titleOf(message);
  const summary = summaryOf(message);
  const lines = alertLines(message);
  const ruleUrl = ruleUrlOf(message, externalUrl);
  const text = [
    subject,
    '',
    summary,
    '',
    ...lines.map((line) => `- ${line}`),
    ...(ruleUrl === undefined ? [] : ['', `Rule: ${ruleUrl}`]),
  ].join('\n');
  const html = [
    `<h2>${escapeHtml(subject)}</h2>`,
    `<p><strong>${escapeHtml(summary)}</strong></p>`,
    `<ul>${lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`,
    ruleUrl === undefined
      ? ''
      : `<p><a href="${escapeHtml(ruleUrl)}">Rule ${escapeHtml(ruleUrl)}</a></p>`,
  ].join('\n');
  return { subject, text, html };
}

/** What an SMTP failure means: its reply code decides (4xx transient, 5xx permanent). */
export function smtpVerdict(err: unknown): DeliveryVerdict {
  const { responseCode, code } = (err ?? {}) as { responseCode?: unknown; code?: unknown };
  const error = `smtp: ${messageOf(err)}`;
  if (typeof responseCode === 'number') {
    return responseCode >= 500
      ? { result: 'final', error, statusCode: responseCode }
      : { result: 'retry', error, statusCode: responseCode };
  }
  if (typeof code === 'string' && FINAL_ERROR_CODES.has(code)) {
    return { result: 'final', error, statusCode: null };
  }
  return { result: 'retry', error, statusCode: null };
}

/**
 * `email`: one mail through the receiver's SMTP server with nodemailer. The SMTP host is resolved
 * and vetted by the SSRF policy at send time like any URL, and the connection goes to the vetted
 * address (the host name kept for TLS: SNI and the certificate check). The Message-ID is derived
 * from the notification id, the same on every attempt, so a mail client shows a retried mail
 * once. A 2xx is delivered; an SMTP 4xx reply (greylisting, mailbox busy, 421) is retried, a 5xx
 * (unknown mailbox, authentication refused) is final, as are TLS and authentication failures
 * without a reply; no reply at all (refused, reset, timeout) is retried.
 */
export const emailSender: NotificationSender = {
  type: 'email',
  async send(notification, receiver, context) {
    const email = required(receiver.email, 'email settings');
    const { host, port, tls } = email.smtp;
    let vetted: Awaited<ReturnType<typeof vetTarget>>;
    try {
      vetted = await vetTarget(host, context.allowPrivateTargets);
    } catch (err) {
      return { result: 'retry', error: `resolving ${host}: ${messageOf(err)}`, statusCode: null };
    }
    if ('refused' in vetted) return { result: 'final', error: vetted.refused, statusCode: null };
    const address = vetted.addresses[0]?.address as string;
    const bareHost = host.replace(/^\[|\]$/g, '');
    const transport = createTransport({
      host: address,
      port,
      secure: tls === 'implicit',
      requireTLS: tls === 'starttls',
      ignoreTLS: tls === 'none',
      // The name the certificate must carry (and SNI), although we connect to the address.
      ...(bareHost === address ? {} : { servername: bareHost, tls: { servername: bareHost } }),
      ...(receiver.credentials === null
        ? {}
        : { auth: { user: receiver.credentials.username, pass: receiver.credentials.password } }),
      connectionTimeout: context.timeoutMs,
      greetingTimeout: context.timeoutMs,
      socketTimeout: context.timeoutMs,
      dnsTimeout: context.timeoutMs,
      name: MESSAGE_ID_DOMAIN,
    });
    const content = emailContent(notification.payload, context.externalUrl);
    try {
      const info = (await transport.sendMail({
        from: email.from,
        to: [...email.to],
        subject: content.subject,
        text: content.text,
        html: content.html,
        messageId: `<${notification.id}@${MESSAGE_ID_DOMAIN}>`,
        date: new Date(context.now),
        headers: { 'X-Obs-Notification-Id': notification.id },
      })) as { response?: unknown };
      const code =
        typeof info.response === 'string' ? Number(/^\d{3}/.exec(info.response)?.[0]) : NaN;
      return { result: 'delivered', statusCode: Number.isNaN(code) ? 250 : code };
    } catch (err) {
      return smtpVerdict(err);
    } finally {
      transport.close();
    }
  },
};
