import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningService } from '@obs/service-kit';
import { bearer, TestClock, type TopicReader } from '@obs/service-kit/testing';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertsOf,
  baseMinute,
  createP95Rule,
  createReceiver,
  MINUTE,
  openAlerts,
  startAlertRuleService,
  uniqueTenant,
  waitUntil,
  windowMessage,
} from '../../test/alert-rule-test-kit.js';
import type { AlertmanagerMessage } from '../notify/alertmanager-payload.js';
import { ALERT_CLOCK_JOB } from './alert-clock.job.js';
import { NOTIFICATION_DELIVERY_JOB } from './notification-delivery.job.js';
import { NOTIFICATION_GROUP_FLUSH_JOB } from './notification-group-flush.job.js';

/** A real webhook receiver on 127.0.0.1 that answers 200 and keeps what it got. */
interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}
const received: Received[] = [];
let server: Server;
let base = '';

const clock = new TestClock(Date.now());
let service: RunningService;
let alerts: TopicReader;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', headers: req.headers, body });
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  service = await startAlertRuleService({ runJobs: false, clock: clock.now });
  alerts = await openAlerts(service);
});
afterAll(async () => {
  await alerts.close();
  await service.close();
  await new Promise((resolve) => server.close(resolve));
});

const SERVICES = Array.from({ length: 50 }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
const metric = 'http.server.duration';

/** Flushes due groups, then delivers what they queued: what a running service does each second. */
async function flushAndDeliver(): Promise<void> {
  await service.jobs.get(NOTIFICATION_GROUP_FLUSH_JOB)?.runOnce();
  await service.jobs.get(NOTIFICATION_DELIVERY_JOB)?.runOnce();
}

async function notificationsOf(ruleId: string): Promise<{ payload: AlertmanagerMessage }[]> {
  return service.ctx.dataSource.query(
    `SELECT payload FROM ${service.ctx.table('notifications')}
      WHERE alert_rule_id = $1 ORDER BY created_at, id`,
    [ruleId],
  );
}

describe('notification grouping (Alertmanager group_wait, group_interval, repeat_interval)', () => {
  it('sends 50 alerts of one rule firing within groupWait as ONE signed notification, across a restart, then their resolution', async () => {
    const tenant = uniqueTenant('grouping');
    const auth = bearer(tenant, ['read', 'write']);
    const receiver = await createReceiver(service, auth, `${base}/grouped`, {
      sendResolved: true,
    });
    // Default grouping: groupBy [] (the whole rule), groupWait 30 s, interval 5 min, repeat 4 h.
    const ruleId = await createP95Rule(service, tenant, metric, 0, {
      actions: [{ type: 'webhook', target: receiver.id }],
    });
    const start = baseMinute();
    const minute = (n: number, p95: (svc: string) => number) =>
      service.ctx.bus.publish(
        SERVICES.map((svc) =>
          windowMessage({
            tenantId: tenant,
            metric,
            start: start + n * MINUTE,
            p95: p95(svc),
            group: { service: svc },
          }),
        ),
      );
    for (let n = 0; n < 4; n += 1) await minute(n, () => 900);
    await waitUntil(
      () => Promise.resolve(alertsOf(alerts, tenant, ruleId).length === 50),
      '50 AlertTriggered',
      240_000,
    );
    // Queued in one group, nothing owed yet: the group waits 30 s for more alerts.
    const group = await service.ctx.dataSource.query<{ n: number; next_flush_at: Date }[]>(
      `SELECT (SELECT count(*) FROM jsonb_object_keys(alerts))::int AS n, next_flush_at
         FROM ${service.ctx.table('notification_groups')} WHERE alert_rule_id = $1`,
      [ruleId],
    );
    expect(group).toEqual([{ n: 50, next_flush_at: new Date(clock.nowMs + 30_000) }]);
    expect(await notificationsOf(ruleId)).toEqual([]);

    // A restart mid-groupWait loses nothing: the group is in PostgreSQL.
    await alerts.close();
    await service.close();
    service = await startAlertRuleService({ runJobs: false, clock: clock.now });
    alerts = await openAlerts(service);
    clock.nowMs += 29_000;
    await flushAndDeliver();
    expect(await notificationsOf(ruleId)).toEqual([]);
    clock.nowMs += 1_000;
    await flushAndDeliver();

    const [first, ...others] = received.filter((r) => r.path === '/grouped');
    expect(others).toEqual([]);
    expect(() =>
      new Webhook(receiver.secret).verify(
        first?.body ?? '',
        first?.headers as Record<string, string>,
      ),
    ).not.toThrow();
    const message = JSON.parse(first?.body ?? '{}') as AlertmanagerMessage;
    expect(message).toMatchObject({
      version: '4',
      status: 'firing',
      notification_reason: 'first notification',
      groupLabels: { alertname: expect.any(String) as string, alertRuleId: ruleId },
      groupKey: expect.stringContaining(`alertRuleId="${ruleId}"`) as string,
      commonLabels: { alertRuleId: ruleId, severity: 'critical', metric },
      truncatedAlerts: 0,
    });
    expect(message.alerts.map((a) => a.labels.service).sort()).toEqual(SERVICES);
    expect(message.commonLabels.service).toBeUndefined();
    expect(await notificationsOf(ruleId)).toHaveLength(1);

    // The episode ends: svc-00 recovers and the others stop reporting (a missing window counts),
    // once svc-00's later windows move the rule's horizon past the lateness grace.
    for (let n = 4; n < 9; n += 1) {
      await service.ctx.bus.publish([
        windowMessage({
          tenantId: tenant,
          metric,
          start: start + n * MINUTE,
          p95: 100,
          group: { service: 'svc-00' },
        }),
      ]);
    }
    // The wall clock makes the missing windows final too (the alert clock), as in a running service.
    await service.jobs.get(ALERT_CLOCK_JOB)?.runOnce();
    const resolvedInGroup = async () =>
      (
        await service.ctx.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM ${service.ctx.table('notification_groups')} g,
                  jsonb_each(g.alerts) a
            WHERE g.alert_rule_id = $1 AND a.value->>'status' = 'resolved'`,
          [ruleId],
        )
      )[0]?.n ?? 0;
    // Every alert of the group is marked resolved, waiting for the group's next flush.
    await waitUntil(async () => (await resolvedInGroup()) === 50, '50 resolved alerts', 240_000);
    // Not before the group interval (5 min after the first notification).
    clock.nowMs += 299_000;
    await flushAndDeliver();
    expect(await notificationsOf(ruleId)).toHaveLength(1);
    clock.nowMs += 1_000;
    await flushAndDeliver();
    const sent = await notificationsOf(ruleId);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.payload).toMatchObject({
      status: 'resolved',
      notification_reason: 'alerts resolved',
      groupKey: message.groupKey,
    });
    expect(sent[1]?.payload.alerts.map((a) => a.status)).toEqual(SERVICES.map(() => 'resolved'));
    expect(sent[1]?.payload.alerts.map((a) => a.labels.service).sort()).toEqual(SERVICES);

    // The group is gone with its last alert: nothing repeats.
    clock.nowMs += 5 * 3_600_000;
    await flushAndDeliver();
    expect(await notificationsOf(ruleId)).toHaveLength(2);
    const requests = received.filter((r) => r.path === '/grouped');
    expect(requests).toHaveLength(2);
    // Signed too: the service clock moved 5.5 min ahead, past verify()'s 5-min tolerance around
    // the real time, so the signature is checked against the header's own timestamp.
    const headers = requests[1]?.headers ?? {};
    const expected = new Webhook(receiver.secret).sign(
      String(headers['webhook-id']),
      new Date(Number(headers['webhook-timestamp']) * 1000),
      requests[1]?.body ?? '',
    );
    expect(String(headers['webhook-signature']).split(' ')).toContain(expected);
  }, 600_000);
});
