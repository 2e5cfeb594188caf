import { Webhook } from 'standardwebhooks';
import { postJson, type SendOptions, type SendOutcome } from './http-post.js';
import { httpVerdict, required, type NotificationSender } from './sender.js';

export { vetTarget, type SendOptions, type SendOutcome } from './http-post.js';

export interface WebhookDelivery {
  /** The notification id: `webhook-id`, the same on every attempt so receivers dedupe. */
  readonly id: string;
  readonly url: string;
  readonly secret: string;
  readonly body: string;
  /** Signing time, epoch ms (the service clock): `webhook-timestamp`. */
  readonly at: number;
}

/** Standard Webhooks headers for one attempt. */
export function signedHeaders(delivery: WebhookDelivery): Record<string, string> {
  const timestamp = new Date(delivery.at);
  return {
    'content-type': 'application/json',
    'user-agent': 'obs-alert-rule-service',
    'webhook-id': delivery.id,
    'webhook-timestamp': String(Math.floor(delivery.at / 1000)),
    'webhook-signature': new Webhook(delivery.secret).sign(delivery.id, timestamp, delivery.body),
  };
}

/** One signed POST of the body, through the SSRF policy (see postJson). */
export function sendWebhook(delivery: WebhookDelivery, options: SendOptions): Promise<SendOutcome> {
  return postJson(delivery.url, signedHeaders(delivery), delivery.body, options);
}

/** `webhook`: the Alertmanager v4 message as it is, signed per Standard Webhooks. */
export const webhookSender: NotificationSender = {
  type: 'webhook',
  async send(notification, receiver, context) {
    const outcome = await sendWebhook(
      {
        id: notification.id,
        url: required(receiver.url, 'url'),
        secret: required(receiver.secret, 'signing secret'),
        body: JSON.stringify(notification.payload),
        at: context.now,
      },
      context,
    );
    return httpVerdict(outcome, context.now);
  },
};
