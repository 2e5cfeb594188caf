import type { Envelope } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { bearer, buildEvent, busMessageOf } from '@obs/service-kit/testing';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createReceiver,
  listNotifications,
  startAlertRuleService,
  startWebhookCatcher,
  type CaughtRequest,
  type WebhookCatcher,
  uniqueTenant,
  type NotificationItem,
} from '../../test/alert-rule-test-kit.js';
import { NOTIFICATION_DELIVERY_JOB } from '../jobs/notification-delivery.job.js';
import { NIL_UUID, notificationIdOf } from '../notify/escalation-notifications.js';

/**
 * FeedbackItemRouted over real Kafka → one notification to the receiver the routing rule names,
 * idempotent by event id, delivered by the existing job to a real HTTP receiver, signed.
 */
let catcher: WebhookCatcher;
let received: CaughtRequest[] = [];
let base = '';
let service: RunningService;

beforeAll(async () => {
  catcher = await startWebhookCatcher();
  ({ received, url: base } = catcher);
  service = await startAlertRuleService({ runJobs: false });
});
afterAll(async () => {
  await service.close();
  await catcher.close();
});

const publish = (envelope: Envelope) => service.ctx.bus.publish([busMessageOf(envelope)]);

function routed(
  tenantId: string,
  feedbackItemId: string,
  receiverId: string | null,
  routedAt = new Date().toISOString(),
): Envelope<'FeedbackItemRouted'> {
  return buildEvent('FeedbackItemRouted', {
    tenantId,
    aggregateId: feedbackItemId,
    payload: { feedbackItemId, receiverId, routedTo: 'agent-fixer-7', routedAt },
  });
}

async function waitForNotifications(
  auth: Record<string, string>,
  count: number,
): Promise<NotificationItem[]> {
  await expect
    .poll(async () => (await listNotifications(service, auth)).length, {
      timeout: 30_000,
      interval: 100,
    })
    .toBeGreaterThanOrEqual(count);
  return listNotifications(service, auth);
}

describe('FeedbackItemRouted → a notification to the rule’s receiver', () => {
  it('queues one notification once per event, even delivered twice, and the job sends it signed', async () => {
    const tenant = uniqueTenant('fb-notify');
    const auth = bearer(tenant, ['read', 'write']);
    const receiver = await createReceiver(service, auth, `${base}/agent`);
    const itemId = crypto.randomUUID();
    const event = routed(tenant, itemId, receiver.id);
    await publish(event);
    await publish(event);
    // Nothing for a routing without a receiver, another tenant's receiver or one too old; a
    // marker on the same key shows the ones before it were consumed.
    const foreign = await createReceiver(
      service,
      bearer(uniqueTenant('fb-foreign'), ['write']),
      `${base}/foreign`,
    );
    await publish(routed(tenant, itemId, null));
    await publish(routed(tenant, itemId, foreign.id));
    await publish(routed(tenant, itemId, receiver.id, '2020-01-01T00:00:00.000Z'));
    const marker = routed(tenant, itemId, receiver.id);
    await publish(marker);
    const items = await waitForNotifications(auth, 2);
    expect(items.map((n) => n.id).sort()).toEqual(
      [
        notificationIdOf(event.eventId, receiver.id),
        notificationIdOf(marker.eventId, receiver.id),
      ].sort(),
    );
    for (const n of items) {
      expect(n).toMatchObject({
        alertRuleId: NIL_UUID,
        fingerprint: `feedback:${itemId}`,
        status: 'pending',
      });
    }
    await service.jobs.get(NOTIFICATION_DELIVERY_JOB)?.runOnce();
    expect((await listNotifications(service, auth)).map((n) => n.status)).toEqual([
      'delivered',
      'delivered',
    ]);
    expect(received.filter((r) => r.path === '/foreign')).toEqual([]);
    const wake = received.find(
      (r) => r.headers['webhook-id'] === notificationIdOf(event.eventId, receiver.id),
    )!;
    expect(() =>
      new Webhook(receiver.secret).verify(wake.body, {
        'webhook-id': String(wake.headers['webhook-id']),
        'webhook-timestamp': String(wake.headers['webhook-timestamp']),
        'webhook-signature': String(wake.headers['webhook-signature']),
      }),
    ).not.toThrow();
    expect(JSON.parse(wake.body)).toMatchObject({
      version: '4',
      status: 'firing',
      notification_reason: 'feedback routed',
      alerts: [
        {
          labels: {
            alertname: 'Feedback routed to agent-fixer-7',
            feedbackItemId: itemId,
            routedTo: 'agent-fixer-7',
          },
          annotations: {
            item: `/v1/feedback/${itemId}`,
            inbox: '/v1/feedback?routedTo=agent-fixer-7&status=routed',
          },
        },
      ],
    });
  });
});
