import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningService } from '@obs/service-kit';
import { bearer, TestClock } from '@obs/service-kit/testing';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createReceiver,
  fireRuleAt,
  listNotifications,
  startAlertRuleService,
  uniqueTenant,
  type NotificationItem,
} from '../../test/alert-rule-test-kit.js';
import { alertRuleConfigFrom } from '../config.js';
import { NOTIFICATION_DELIVERY_JOB, notificationDeliveryJob } from './notification-delivery.job.js';

/** expect.stringMatching, typed: an asymmetric matcher where a string is expected. */
const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;

/** A real webhook receiver on 127.0.0.1: answers each path from its script, then 200. */
interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}
type Answer = { status: number; retryAfter?: string };

const received: Received[] = [];
const scripts = new Map<string, Answer[]>();
let server: Server;
let base = '';

const clock = new TestClock(Date.now());
const notify = {
  ...alertRuleConfigFrom({}).notify,
  maxAttempts: 3,
  backoffBaseMs: 1_000,
  backoffMaxMs: 5_000,
  timeoutMs: 5_000,
  allowPrivateTargets: true,
};
let service: RunningService;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body });
      const answer = scripts.get(path)?.shift() ?? { status: 200 };
      res.writeHead(answer.status, answer.retryAfter ? { 'retry-after': answer.retryAfter } : {});
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  service = await startAlertRuleService({ runJobs: false, clock: clock.now, config: { notify } });
});
afterAll(async () => {
  await service.close();
  await new Promise((resolve) => server.close(resolve));
});

const runDelivery = () => service.jobs.get(NOTIFICATION_DELIVERY_JOB)?.runOnce();
const requestsTo = (path: string) => received.filter((r) => r.path === path);

/** The tenant's one notification after one more delivery run. */
async function deliverOnce(
  auth: Record<string, string>,
  query: Record<string, string> = {},
): Promise<NotificationItem | undefined> {
  await runDelivery();
  return (await listNotifications(service, auth, query))[0];
}

describe('webhook delivery of notifications', () => {
  it('signs an Alertmanager v4 notification, honours Retry-After on 503 twice and delivers it exactly once by webhook-id on the third attempt', async () => {
    const tenant = uniqueTenant('notify');
    const auth = bearer(tenant, ['read', 'write']);
    scripts.set('/flaky', [
      { status: 503, retryAfter: '1' },
      { status: 503, retryAfter: '1' },
    ]);
    const receiver = await createReceiver(service, auth, `${base}/flaky`);
    const { ruleId, notifications } = await fireRuleAt(service, tenant, [receiver.id]);
    expect(notifications).toEqual([
      expect.objectContaining({
        receiverId: receiver.id,
        alertRuleId: ruleId,
        status: 'pending',
        attempts: 0,
        fingerprint: matching(new RegExp(`^${ruleId}:`)),
      }),
    ]);

    expect(await deliverOnce(auth)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatusCode: 503,
      lastError: 'receiver answered 503',
      nextAttemptAt: new Date(clock.nowMs + 1_000).toISOString(),
    });
    // Not due before Retry-After has passed: no second request.
    await runDelivery();
    expect(requestsTo('/flaky')).toHaveLength(1);
    clock.nowMs += 1_000;
    expect(await deliverOnce(auth)).toMatchObject({ status: 'pending', attempts: 2 });
    clock.nowMs += 1_000;
    expect(await deliverOnce(auth)).toMatchObject({
      status: 'delivered',
      attempts: 3,
      lastStatusCode: 200,
      lastError: null,
      nextAttemptAt: null,
      deliveredAt: new Date(clock.nowMs).toISOString(),
    });
    clock.nowMs += 60_000;
    await runDelivery();

    const requests = requestsTo('/flaky');
    expect(requests).toHaveLength(3);
    // The same webhook-id on every attempt: the receiver saw one notification.
    const ids = new Set(requests.map((r) => r.headers['webhook-id']));
    expect([...ids]).toEqual([notifications[0]?.id]);
    const wh = new Webhook(receiver.secret);
    for (const request of requests) {
      expect(() =>
        wh.verify(request.body, request.headers as Record<string, string>),
      ).not.toThrow();
    }
    // A tampered body fails verification: the signature covers it.
    const first = requests[0] as Received;
    expect(() =>
      wh.verify(first.body.replace('firing', 'resolved'), first.headers as Record<string, string>),
    ).toThrow();
    const message = JSON.parse(first.body) as Record<string, unknown>;
    expect(message).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: matching(/^hook-/),
      truncatedAlerts: 0,
      alerts: [
        {
          status: 'firing',
          labels: { alertRuleId: ruleId, severity: 'critical', service: 'payments-api' },
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: matching(/^[0-9a-f]{16}$/),
        },
      ],
    });
    expect(first.headers['content-type']).toBe('application/json');
  });

  it('treats a 400 answer as final: one attempt, failed, never retried', async () => {
    const tenant = uniqueTenant('notify');
    const auth = bearer(tenant, ['read', 'write']);
    scripts.set('/reject', [{ status: 400 }, { status: 400 }]);
    const receiver = await createReceiver(service, auth, `${base}/reject`);
    await fireRuleAt(service, tenant, [receiver.id]);
    expect(await deliverOnce(auth)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastStatusCode: 400,
      nextAttemptAt: null,
    });
    clock.nowMs += 3_600_000;
    await runDelivery();
    expect(requestsTo('/reject')).toHaveLength(1);
    expect(await listNotifications(service, auth, { status: 'failed' })).toHaveLength(1);
  });

  it('retries a 500 with backoff and marks the notification dead after NOTIFY_MAX_ATTEMPTS', async () => {
    const tenant = uniqueTenant('notify');
    const auth = bearer(tenant, ['read', 'write']);
    scripts.set(
      '/down',
      Array.from({ length: 10 }, () => ({ status: 500 })),
    );
    const receiver = await createReceiver(service, auth, `${base}/down`);
    await fireRuleAt(service, tenant, [receiver.id]);
    const first = await deliverOnce(auth);
    expect(first).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500 });
    // Jittered: between half and all of the 1 s base.
    const delay = Date.parse(first?.nextAttemptAt ?? '') - clock.nowMs;
    expect(delay).toBeGreaterThanOrEqual(500);
    expect(delay).toBeLessThanOrEqual(1_000);
    for (let attempt = 2; attempt <= 3; attempt += 1) {
      clock.nowMs += notify.backoffMaxMs;
      await runDelivery();
    }
    clock.nowMs += notify.backoffMaxMs;
    await runDelivery();
    expect(await listNotifications(service, auth)).toEqual([
      expect.objectContaining({ status: 'dead', attempts: 3, lastStatusCode: 500 }),
    ]);
    expect(requestsTo('/down')).toHaveLength(3);
  });

  it('refuses a loopback receiver at send time when NOTIFY_ALLOW_PRIVATE_TARGETS is off', async () => {
    const tenant = uniqueTenant('notify');
    const auth = bearer(tenant, ['read', 'write']);
    const receiver = await createReceiver(service, auth, `${base}/private`);
    await fireRuleAt(service, tenant, [receiver.id]);
    // The same service with the production default: its delivery job judges where the URL points.
    const guarded = notificationDeliveryJob(service.ctx, { ...notify, allowPrivateTargets: false });
    await guarded.run();
    expect(await listNotifications(service, auth)).toEqual([
      expect.objectContaining({
        status: 'failed',
        attempts: 1,
        lastStatusCode: null,
        lastError: matching(
          /^target refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1, a loopback address/,
        ),
      }),
    ]);
    expect(requestsTo('/private')).toHaveLength(0);
  });

  it('delivers each notification once when several deliverers run at the same time (SKIP LOCKED)', async () => {
    const tenant = uniqueTenant('notify');
    const auth = bearer(tenant, ['read', 'write']);
    const receivers = await Promise.all(
      Array.from({ length: 6 }, () => createReceiver(service, auth, `${base}/many`)),
    );
    const { notifications } = await fireRuleAt(
      service,
      tenant,
      receivers.map((r) => r.id),
    );
    expect(notifications).toHaveLength(6);
    // Three deliverers of one service (as three processes would be) over the same table.
    const deliverers = [1, 2, 3].map(() => notificationDeliveryJob(service.ctx, notify));
    await Promise.all(deliverers.map((job) => job.run()));
    const delivered = await listNotifications(service, auth, { status: 'delivered' });
    expect(delivered).toHaveLength(6);
    const ids = requestsTo('/many').map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(6);
    expect(new Set(ids)).toEqual(new Set(notifications.map((n) => n.id)));
  });
});
