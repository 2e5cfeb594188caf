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
 * IncidentEscalated over real Kafka → one notification per receiver the step names, idempotent by
 * event id, delivered by the existing job to a real HTTP receiver as a signed Alertmanager v4
 * message.
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

const RULE = '3f1c2b7a-9d4e-4c1f-8a2b-5e6d7f8a9b0c';
const publish = (envelope: Envelope) => service.ctx.bus.publish([busMessageOf(envelope)]);

function escalated(
  tenantId: string,
  incidentId: string,
  level: number,
  receiverIds: string[],
  sourceRef: string | null = `${RULE}:service=payments-api`,
): Envelope<'IncidentEscalated'> {
  return buildEvent('IncidentEscalated', {
    tenantId,
    aggregateId: incidentId,
    aggregateVersion: level + 1,
    payload: {
      incidentId,
      level,
      target: `Payments step ${level}`,
      escalatedAt: new Date().toISOString(),
      escalationPolicyId: '2a7c9e1f-3b5d-4f7a-9c1e-3f5a7b9c1d3e',
      receiverIds,
      onCall: [{ scheduleId: '4d6f8a0c-2e4a-4c6e-8a0c-2e4a6c8e0a2c', member: 'alice' }],
      title: 'Checkout is slow',
      severity: 'critical',
      projectId: 'checkout',
      sourceRef,
    },
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

describe('IncidentEscalated → notifications', () => {
  it('queues one notification per receiver of the step, once per event even when it is delivered twice, and the delivery job sends it signed', async () => {
    const tenant = uniqueTenant('esc-notify');
    const auth = bearer(tenant, ['read', 'write']);
    const first = await createReceiver(service, auth, `${base}/first`);
    const second = await createReceiver(service, auth, `${base}/second`);
    const foreign = await createReceiver(
      service,
      bearer(uniqueTenant('esc-foreign'), ['write']),
      `${base}/foreign`,
    );
    const incidentId = crypto.randomUUID();
    const event = escalated(tenant, incidentId, 2, [
      first.id,
      second.id.toUpperCase(),
      foreign.id,
      crypto.randomUUID(),
    ]);
    await publish(event);
    await publish(event);
    // A later event on the same incident (same key, same partition): once it is in, the
    // redelivery before it has been consumed too.
    const marker = escalated(tenant, incidentId, 3, [first.id]);
    await publish(marker);
    const items = await waitForNotifications(auth, 3);
    expect(items).toHaveLength(3);
    const ofEvent = items.filter((n) => n.id !== notificationIdOf(marker.eventId, first.id));
    expect(ofEvent.map((n) => n.id).sort()).toEqual(
      [
        notificationIdOf(event.eventId, first.id),
        notificationIdOf(event.eventId, second.id),
      ].sort(),
    );
    for (const n of items) {
      expect(n).toMatchObject({
        alertRuleId: RULE,
        fingerprint: `incident:${incidentId}`,
        status: 'pending',
      });
    }

    const job = service.jobs.get(NOTIFICATION_DELIVERY_JOB);
    await job?.runOnce();
    expect((await listNotifications(service, auth)).map((n) => n.status)).toEqual([
      'delivered',
      'delivered',
      'delivered',
    ]);
    const toFirst = received.filter((r) => r.path === '/first');
    expect(toFirst).toHaveLength(2);
    expect(received.filter((r) => r.path === '/foreign')).toEqual([]);
    const page = toFirst.find(
      (r) => r.headers['webhook-id'] === notificationIdOf(event.eventId, first.id),
    )!;
    // Standard Webhooks: the receiver's secret verifies the signature.
    expect(() =>
      new Webhook(first.secret).verify(page.body, {
        'webhook-id': String(page.headers['webhook-id']),
        'webhook-timestamp': String(page.headers['webhook-timestamp']),
        'webhook-signature': String(page.headers['webhook-signature']),
      }),
    ).not.toThrow();
    const message = JSON.parse(page.body) as Record<string, unknown>;
    expect(message).toMatchObject({
      version: '4',
      status: 'firing',
      notification_reason: 'escalation level 2',
      groupLabels: { alertname: 'Checkout is slow', incidentId },
      alerts: [
        {
          status: 'firing',
          labels: {
            alertname: 'Checkout is slow',
            incidentId,
            escalationLevel: '2',
            severity: 'critical',
            projectId: 'checkout',
          },
          annotations: {
            summary: 'Incident escalated to level 2 (Payments step 2): Checkout is slow',
            onCall: 'alice',
            sourceRef: `${RULE}:service=payments-api`,
          },
        },
      ],
    });
  });

  it('queues nothing for a step without receivers (the default policy, older events) or one older than an hour; an SLO incident gets the nil rule id', async () => {
    const tenant = uniqueTenant('esc-none');
    const auth = bearer(tenant, ['read', 'write']);
    const receiver = await createReceiver(service, auth, `${base}/slo`);
    const incidentId = crypto.randomUUID();
    const plain = buildEvent('IncidentEscalated', {
      tenantId: tenant,
      aggregateId: incidentId,
      payload: {
        incidentId,
        level: 1,
        target: 'on-call-primary',
        escalatedAt: new Date().toISOString(),
      },
    });
    // buildEvent starts from the registered example: drop the policy fields as older events lack them.
    const {
      receiverIds: _r,
      onCall: _o,
      escalationPolicyId: _p,
      title: _t,
      severity: _s,
      projectId: _j,
      sourceRef: _f,
      ...bare
    } = plain.payload;
    await publish({ ...plain, payload: bare });
    // Two hours old when consumed: history, not a page.
    const stale = escalated(tenant, incidentId, 2, [receiver.id]);
    await publish({
      ...stale,
      payload: {
        ...stale.payload,
        escalatedAt: new Date(Date.now() - 2 * 3_600_000).toISOString(),
      },
    });
    await publish(escalated(tenant, incidentId, 3, [receiver.id], 'slo-7'));
    const items = await waitForNotifications(auth, 1);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      alertRuleId: NIL_UUID,
      fingerprint: `incident:${incidentId}`,
    });
  });
});
