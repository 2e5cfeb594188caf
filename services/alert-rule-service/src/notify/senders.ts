import type { ReceiverType } from '@obs/domain';
import { alertmanagerSender } from './alertmanager-sender.js';
import { emailSender } from './email-sender.js';
import type { NotificationSender } from './sender.js';
import { slackSender } from './slack-sender.js';
import { webhookSender } from './webhook-sender.js';

/** Every receiver kind's sender (a kind without one does not compile). */
export const SENDERS: Readonly<Record<ReceiverType, NotificationSender>> = {
  webhook: webhookSender,
  slack: slackSender,
  email: emailSender,
  alertmanager: alertmanagerSender,
};

export function senderFor(type: ReceiverType): NotificationSender {
  return SENDERS[type];
}
