import type { ReceiverType } from '@obs/domain';
import type { ReceiverRow } from '../receiver.repository.js';
import type { AlertmanagerMessage } from './alertmanager-payload.js';
import { isFinalStatus, retryAfterMs } from './retry-policy.js';
import type { SendOptions, SendOutcome } from './http-post.js';

/** One notification as a sender sees it: its id (the same on every attempt) and its message. */
export interface OutgoingNotification {
  readonly id: string;
  /** The Alertmanager v4 message fixed when the notification was written; each kind renders it. */
  readonly payload: AlertmanagerMessage;
}

export interface SendContext extends SendOptions {
  /** This attempt's time, epoch ms (the service clock). */
  readonly now: number;
  /** Where this service is reached (ALERT_RULE_SERVICE_URL): links back to the rule. */
  readonly externalUrl: string;
}

/**
 * What one attempt came to, whatever the kind: delivered; worth another attempt (after
 * `retryAfterMs` when the receiver said so); or final (retrying cannot change it). `statusCode` is
 * the receiver's own: an HTTP status, an SMTP reply code.
 */
export type DeliveryVerdict =
  | { readonly result: 'delivered'; readonly statusCode: number }
  | {
      readonly result: 'retry';
      readonly error: string;
      readonly statusCode: number | null;
      readonly retryAfterMs?: number | undefined;
    }
  | { readonly result: 'final'; readonly error: string; readonly statusCode: number | null };

/**
 * One receiver kind's delivery: renders the stored message the way the kind's counterpart takes
 * it and sends it once. The delivery job picks the sender by the receiver's type and owns retries.
 * Every sender vets its target with the SSRF policy at send time (`vetTarget`).
 */
export interface NotificationSender {
  readonly type: ReceiverType;
  send(
    notification: OutgoingNotification,
    receiver: ReceiverRow,
    context: SendContext,
  ): Promise<DeliveryVerdict>;
}

/**
 * The HTTP kinds' verdict (webhook, slack, alertmanager): a 2xx is delivered; a refused target
 * and a 4xx other than 408/429 are final; anything else (408, 429, 5xx, 3xx, no answer) is
 * retried, after the Retry-After the receiver sent when it sent one.
 */
export function httpVerdict(outcome: SendOutcome, now: number): DeliveryVerdict {
  switch (outcome.kind) {
    case 'refused':
      return { result: 'final', error: outcome.error, statusCode: null };
    case 'unreachable':
      return { result: 'retry', error: outcome.error, statusCode: null };
    case 'answered': {
      const { status } = outcome;
      if (status >= 200 && status < 300) return { result: 'delivered', statusCode: status };
      const error = `receiver answered ${status}`;
      if (isFinalStatus(status)) return { result: 'final', error, statusCode: status };
      return {
        result: 'retry',
        error,
        statusCode: status,
        retryAfterMs: retryAfterMs(outcome.retryAfter, now),
      };
    }
    default: {
      const unreachable: never = outcome;
      throw new Error(`unknown outcome ${JSON.stringify(unreachable)}`);
    }
  }
}

/** A receiver column a kind needs; a row without it was written outside the domain. */
export function required<T>(value: T | null, what: string): T {
  if (value === null) throw new Error(`receiver has no ${what}`);
  return value;
}
