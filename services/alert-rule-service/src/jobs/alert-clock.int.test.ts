import type { RunningService } from '@obs/service-kit';
import { bearer, TestClock, type TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertsOf,
  createP95Rule,
  createReceiver,
  listNotifications,
  MINUTE,
  openAlerts,
  startAlertRuleService,
  uniqueTenant,
  windowMessage,
} from '../../test/alert-rule-test-kit.js';
import { ALERT_CLOCK_JOB } from './alert-clock.job.js';
import { NOTIFICATION_GROUP_FLUSH_JOB } from './notification-group-flush.job.js';

const metric = 'http.server.duration';
const SECOND = 1_000;
/**
 * The graces these tests were written for, set explicitly (the defaults before the timeliness
 * change): metric grace 30 s (METRIC_WINDOW_GRACE_MS), lateness grace 2 minutes.
 */
const METRIC_GRACE = 30 * SECOND;
const LATENESS_GRACE = 2 * MINUTE;
const clock = new TestClock();
let service: RunningService;
let alerts: TopicReader;

beforeAll(async () => {
  service = await startAlertRuleService({
    clock: clock.now,
    runJobs: false,
    config: {
      latenessGraceMs: LATENESS_GRACE,
      clock: { metricGraceMs: METRIC_GRACE, intervalMs: 0 },
    },
  });
  alerts = await openAlerts(service);
});
afterAll(async () => {
  await alerts.close();
  await service.close();
});

/** A tenant with one rule (p95 > 500, forMinutes 0) naming one receiver, windows from `start`. */
async function setup() {
  const tenantId = uniqueTenant('clock');
  const auth = bearer(tenantId, ['read', 'write']);
  // Never sent: the delivery job does not run here, the notification stays pending. No group
  // wait: the notification is queued with the alert.
  const receiver = await createReceiver(service, auth, 'http://127.0.0.1:9/hook');
  const ruleId = await createP95Rule(service, tenantId, metric, 0, {
    actions: [{ type: 'webhook', target: receiver.id, groupWaitSeconds: 0 }],
  });
  // A fresh minute for every test: the clock only moves forward.
  const start = Math.ceil(clock.nowMs / MINUTE) * MINUTE + MINUTE;
  const state = async () =>
    (
      await service.app.inject({
        method: 'GET',
        url: `/v1/alert-rules/${ruleId}/state`,
        headers: auth,
      })
    ).json<{ lateWindows: number; groups: { status: string; lastWindowEnd: string }[] }>();
  const publish = (minute: number, p95: number) =>
    service.ctx.bus.publish([
      windowMessage({ tenantId, metric, start: start + minute * MINUTE, p95 }),
    ]);
  /** Publishes a window the way metric-aggregation-service does: at its end + the metric grace. */
  const arrive = async (minute: number, p95: number) => {
    clock.nowMs = start + (minute + 1) * MINUTE + METRIC_GRACE;
    await publish(minute, p95);
    await expect
      .poll(async () => (await state()).groups[0]?.lastWindowEnd, { timeout: 30_000 })
      .toBe(new Date(start + (minute + 1) * MINUTE).toISOString());
  };
  const tick = async (): Promise<void> => {
    expect(await service.jobs.get(ALERT_CLOCK_JOB)?.runOnce()).toBe(true);
  };
  const fired = () => alertsOf(alerts, tenantId, ruleId);
  return {
    tenantId,
    auth,
    ruleId,
    receiverId: receiver.id,
    start,
    state,
    publish,
    arrive,
    tick,
    fired,
  };
}

/** Lets the relay and the reader catch up, then checks the count has not moved. */
async function staysAt(count: () => number, expected: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(count()).toBe(expected);
}

describe('AlertResolved', () => {
  it('ends a firing episode after one window without the condition, and notifies receivers that asked', async () => {
    const t = await setup();
    const quiet = await createReceiver(service, t.auth, 'http://127.0.0.1:9/quiet');
    const resolving = await createReceiver(service, t.auth, 'http://127.0.0.1:9/resolved', {
      sendResolved: true,
    });
    // Name all three receivers (the rule of setup names the first).
    const rule = await service.app.inject({
      method: 'GET',
      url: `/v1/alert-rules/${t.ruleId}`,
      headers: t.auth,
    });
    const body = rule.json<Record<string, unknown>>();
    const put = await service.app.inject({
      method: 'PUT',
      url: `/v1/alert-rules/${t.ruleId}`,
      headers: t.auth,
      payload: {
        name: body.name,
        scope: body.scope,
        condition: body.condition,
        severity: body.severity,
        actions: [t.receiverId, quiet.id, resolving.id].map((target) => ({
          type: 'webhook',
          target,
          groupWaitSeconds: 0,
          groupIntervalSeconds: 30,
        })),
      },
    });
    expect(put.statusCode, put.body).toBe(200);

    await t.arrive(0, 900);
    await t.arrive(1, 100);
    const resolvedOf = () => alerts.of(t.tenantId, 'AlertResolved');
    // Not yet: the recovering window is final only at its end + 30 s + 120 s.
    clock.nowMs = t.start + 2 * MINUTE + 149 * SECOND;
    await t.tick();
    await expect.poll(() => t.fired().length, { timeout: 30_000 }).toBe(1);
    await staysAt(() => resolvedOf().length, 0);
    clock.nowMs = t.start + 2 * MINUTE + 150 * SECOND;
    await t.tick();
    await expect.poll(() => resolvedOf().length, { timeout: 30_000 }).toBe(1);
    expect(resolvedOf()[0]?.payload).toMatchObject({
      alertRuleId: t.ruleId,
      fingerprint: t.fired()[0]?.payload.fingerprint,
      activeAt: new Date(t.start + MINUTE).toISOString(),
      resolvedAt: new Date(t.start + 2 * MINUTE).toISOString(),
      observedValue: 100,
      resolveAfterWindows: 1,
    });
    // The resolution goes out with the group's next flush, a group interval after the firing.
    await service.jobs.get(NOTIFICATION_GROUP_FLUSH_JOB)?.runOnce();

    // Three firing notifications, one resolved (only the receiver with sendResolved).
    const rows = await service.ctx.dataSource.query<
      { receiver_id: string; payload: { status: string; alerts: { endsAt: string }[] } }[]
    >(
      `SELECT receiver_id, payload FROM ${service.ctx.table('notifications')}
        WHERE alert_rule_id = $1 ORDER BY created_at, receiver_id`,
      [t.ruleId],
    );
    expect(rows.filter((r) => r.payload.status === 'firing')).toHaveLength(3);
    const resolved = rows.filter((r) => r.payload.status === 'resolved');
    expect(resolved.map((r) => r.receiver_id)).toEqual([resolving.id]);
    expect(resolved[0]?.payload.alerts[0]?.endsAt).toBe(
      new Date(t.start + 2 * MINUTE).toISOString(),
    );
  });

  it('resolves an episode whose metric stopped reporting once the missing window is final', async () => {
    const t = await setup();
    await t.arrive(0, 900);
    clock.nowMs = t.start + MINUTE + 90 * SECOND;
    await t.tick();
    await expect.poll(() => t.fired().length, { timeout: 30_000 }).toBe(1);
    const resolvedOf = () => alerts.of(t.tenantId, 'AlertResolved');
    // The slot after the spike (ending at start + 2m) is final at start + 2m + 150 s.
    clock.nowMs = t.start + 2 * MINUTE + 150 * SECOND;
    await t.tick();
    await expect.poll(() => resolvedOf().length, { timeout: 30_000 }).toBe(1);
    expect(resolvedOf()[0]?.payload).toMatchObject({
      observedValue: null,
      resolvedAt: new Date(t.start + 2 * MINUTE).toISOString(),
    });
    clock.nowMs += 10 * MINUTE;
    await t.tick();
    await staysAt(() => resolvedOf().length, 1);
  });
});

describe('alert clock job (event time advances with the wall clock)', () => {
  it('announces a spike whose metric goes silent, once the window before it is final', async () => {
    const t = await setup();
    await t.arrive(0, 900);
    expect((await t.state()).groups[0]?.status).toBe('pending');
    // forMinutes 0 waits for the slot before the spike (ending at `start`) to be final: by
    // processing time at start + metric grace + lateness grace = the spike's end + 90 s.
    await t.tick();
    clock.nowMs = t.start + MINUTE + 89 * SECOND;
    await t.tick();
    await staysAt(() => t.fired().length, 0);
    expect((await t.state()).groups[0]?.status).toBe('pending');

    clock.nowMs = t.start + MINUTE + 90 * SECOND;
    await t.tick();
    await expect.poll(() => t.fired().length, { timeout: 30_000 }).toBe(1);
    const [alert] = t.fired();
    expect(alert?.payload).toMatchObject({
      activeAt: new Date(t.start + MINUTE).toISOString(),
      firedAt: new Date(t.start + MINUTE).toISOString(),
      observedValue: 900,
      // The rule's actions travel with the alert (incident-service opens incidents only for
      // an `incident` action; this rule has none).
      actions: [{ type: 'webhook', target: t.receiverId }],
    });
    expect((await t.state()).groups[0]?.status).toBe('firing');
    // The notification is written with the alert, as the consumer's evaluation writes it.
    const notifications = await listNotifications(service, t.auth, { alertRuleId: t.ruleId });
    expect(notifications).toHaveLength(1);
    expect(notifications[0]?.status).toBe('pending');

    // Further runs change nothing.
    clock.nowMs += 10 * MINUTE;
    await t.tick();
    await staysAt(() => t.fired().length, 1);
  });

  it('does not announce twice when the next window arrives after the job announced the episode', async () => {
    const t = await setup();
    await t.arrive(0, 900);
    clock.nowMs = t.start + MINUTE + 100 * SECOND;
    await t.tick();
    await expect.poll(() => t.fired().length, { timeout: 30_000 }).toBe(1);

    // The next window comes, in time (its end + 30 s): the episode goes on, no second event.
    await t.arrive(1, 950);
    await t.arrive(2, 990);
    await staysAt(() => t.fired().length, 1);
    expect((await t.state()).groups[0]?.status).toBe('firing');
    const notifications = await listNotifications(service, t.auth, { alertRuleId: t.ruleId });
    expect(notifications).toHaveLength(1);
  });

  it('ignores and counts a window that arrives after the wall clock made it final', async () => {
    const t = await setup();
    await t.arrive(0, 900);
    // Two windows are never published; the clock runs on for ten minutes.
    clock.nowMs = t.start + 11 * MINUTE;
    await t.tick();
    await expect.poll(() => t.fired().length, { timeout: 30_000 }).toBe(1);
    // Window 1 (ending at start + 2m) was final at start + 2m + 150 s: it is late now.
    await t.publish(1, 990);
    await expect.poll(async () => (await t.state()).lateWindows, { timeout: 30_000 }).toBe(1);
    // A fresh window after the gap starts a new episode, announced on its own.
    await t.arrive(10, 900);
    clock.nowMs = t.start + 11 * MINUTE + 90 * SECOND;
    await t.tick();
    await expect.poll(() => t.fired().length, { timeout: 30_000 }).toBe(2);
    expect(t.fired()[1]?.payload.activeAt).toBe(new Date(t.start + 11 * MINUTE).toISOString());
  });

  it('counts from when a window arrived, so a consumer catching up does not lose its backlog', async () => {
    const t = await setup();
    // Windows an hour old arrive now (a restart, a replay): the clock moves only with the time
    // that passes after they arrive, so the next old window is still in time.
    clock.nowMs = t.start + 60 * MINUTE;
    await t.publish(0, 100);
    await expect
      .poll(async () => (await t.state()).groups[0]?.lastWindowEnd, { timeout: 30_000 })
      .toBe(new Date(t.start + MINUTE).toISOString());
    clock.nowMs += 30 * SECOND;
    await t.tick();
    await t.publish(1, 900);
    await expect
      .poll(async () => (await t.state()).groups[0]?.lastWindowEnd, { timeout: 30_000 })
      .toBe(new Date(t.start + 2 * MINUTE).toISOString());
    expect((await t.state()).lateWindows).toBe(0);
    // …and the backlog's last episode is still announced once its metric stays silent.
    clock.nowMs += 3 * MINUTE;
    await t.tick();
    await expect.poll(() => t.fired().length, { timeout: 30_000 }).toBe(1);
  });
});
