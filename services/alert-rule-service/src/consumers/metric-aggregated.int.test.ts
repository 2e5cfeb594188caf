import type { WindowSize } from '@obs/domain';
import type { RunningService } from '@obs/service-kit';
import { bearer, busMessageOf, type TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertsOf,
  createP95Rule,
  baseMinute,
  MINUTE,
  openAlerts,
  startAlertRuleService,
  uniqueTenant,
  windowEnvelope,
  windowMessage,
} from '../../test/alert-rule-test-kit.js';

const metric = 'http.server.duration';
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
let service: RunningService;
let alerts: TopicReader;
/**
 * The lateness grace these tests were written for (the default before the timeliness change):
 * they test ordering and lateness within two minutes of event time.
 */
const config = { latenessGraceMs: 2 * MINUTE };

beforeAll(async () => {
  service = await startAlertRuleService({ config });
  alerts = await openAlerts(service);
});
afterAll(async () => {
  await alerts.close();
  await service.close();
});

interface GroupState {
  status: string;
  activeAt: string | null;
  firedAt: string | null;
  lastWindowEnd: string;
}

interface RuleState {
  window: string;
  lateWindows: number;
  groups: GroupState[];
}

/** A tenant with the metric known and one rule (p95 > 500 for `forMinutes`). */
async function setup(forMinutes: number, extra: Record<string, unknown> = {}) {
  const tenantId = uniqueTenant('eval');
  const auth = bearer(tenantId, ['read', 'write']);
  const ruleId = await createP95Rule(service, tenantId, metric, forMinutes, extra);
  const start = baseMinute();
  const publish = (
    minute: number,
    p95: number,
    group?: Record<string, string>,
    projectId?: string,
    window?: WindowSize,
  ) =>
    service.ctx.bus.publish([
      windowMessage({
        tenantId,
        metric,
        start: start + minute * MINUTE,
        p95,
        traceId,
        group,
        projectId,
        window,
      }),
    ]);
  const ruleState = async (): Promise<RuleState> =>
    (
      await service.app.inject({
        method: 'GET',
        url: `/v1/alert-rules/${ruleId}/state`,
        headers: auth,
      })
    ).json<RuleState>();
  const state = async (): Promise<GroupState | undefined> => (await ruleState()).groups[0];
  /** The rule's AlertTriggered that reached the topic (the tenant has this one rule). */
  const fired = () => alertsOf(alerts, tenantId, ruleId);
  /** Waits until the window ending at minute + 1 has been applied. */
  const applied = (minute: number) =>
    expect
      .poll(async () => (await state())?.lastWindowEnd, { timeout: 30_000, interval: 100 })
      .toBe(new Date(start + (minute + 1) * MINUTE).toISOString());
  return { tenantId, auth, ruleId, start, publish, state, ruleState, applied, fired };
}

describe('rule evaluation from MetricAggregated', () => {
  it('goes pending, then fires AlertTriggered exactly once after forMinutes of event time', async () => {
    const t = await setup(3);
    await t.publish(0, 700);
    await t.applied(0);
    expect(await t.state()).toMatchObject({
      status: 'pending',
      activeAt: new Date(t.start + MINUTE).toISOString(),
    });
    for (const minute of [1, 2, 3]) await t.publish(minute, 720);
    await expect.poll(() => t.fired().length, { timeout: 30_000, interval: 100 }).toBe(1);
    const [alert] = t.fired();
    // Keyed by the rule (AlertTriggered's stream is its aggregate), with the event version header.
    const record = alerts.messageOf(alert?.eventId ?? '');
    expect(alerts.invalid()).toEqual([]);
    expect(record?.key).toBe(t.ruleId);
    expect(record?.headers).toMatchObject({
      'event-type': 'AlertTriggered',
      'event-version': '1',
      'tenant-id': t.tenantId,
    });
    expect(alert?.tenantId).toBe(t.tenantId);
    expect(alert?.traceId).toBe(traceId);
    expect(alert?.payload).toMatchObject({
      fingerprint: `${t.ruleId}:service=payments-api`,
      severity: 'critical',
      observedValue: 720,
      forMinutes: 3,
    });
    expect(await t.state()).toMatchObject({ status: 'firing' });

    // Still firing: no second alert. Then a quiet window ends the episode, and a new one fires again.
    await t.publish(4, 900);
    await t.applied(4);
    await t.publish(5, 100);
    await t.applied(5);
    expect(await t.state()).toMatchObject({ status: 'inactive' });
    expect(t.fired()).toHaveLength(1);
    for (const minute of [6, 7, 8, 9]) await t.publish(minute, 800);
    await expect.poll(() => t.fired().length, { timeout: 30_000, interval: 100 }).toBe(2);
  });

  it('counts two identical deliveries of a window once', async () => {
    const t = await setup(2);
    const first = windowMessage({ tenantId: t.tenantId, metric, start: t.start, p95: 700 });
    await service.ctx.bus.publish([first, first]);
    await t.publish(1, 700);
    await t.applied(1);
    expect(await t.state()).toMatchObject({ status: 'pending' });
    await t.publish(2, 700);
    await expect.poll(() => t.fired().length, { timeout: 30_000, interval: 100 }).toBe(1);
  });

  it('drops the pending episode of a disabled rule', async () => {
    const t = await setup(2);
    await t.publish(0, 700);
    await t.applied(0);
    expect(await t.state()).toMatchObject({ status: 'pending' });
    await service.app.inject({
      method: 'POST',
      url: `/v1/alert-rules/${t.ruleId}/disable`,
      headers: t.auth,
    });
    expect(await t.state()).toBeUndefined();
    await service.app.inject({
      method: 'POST',
      url: `/v1/alert-rules/${t.ruleId}/enable`,
      headers: t.auth,
    });
    await t.publish(1, 700);
    await t.applied(1);
    // A fresh episode: active since window 1, not window 0.
    expect(await t.state()).toMatchObject({
      status: 'pending',
      activeAt: new Date(t.start + 2 * MINUTE).toISOString(),
    });
  });

  it('never triggers a disabled rule, and ignores windows outside its scope', async () => {
    const t = await setup(0, { scope: { projectId: 'checkout' } });
    // The consumer's inbox row for the window's eventId tells it was consumed, whether or not
    // a rule used it.
    const publishConsumed = async (minute: number, p95: number, projectId?: string) => {
      const envelope = windowEnvelope({
        tenantId: t.tenantId,
        metric,
        start: t.start + minute * MINUTE,
        p95,
        traceId,
        projectId,
      });
      await service.ctx.bus.publish([busMessageOf(envelope)]);
      await expect
        .poll(
          async () =>
            (
              await service.ctx.dataSource.query<{ n: string }[]>(
                `SELECT count(*) AS n FROM ${service.ctx.table('inbox')} WHERE event_id = $1`,
                [envelope.eventId],
              )
            )[0]?.n,
          { timeout: 30_000, interval: 100 },
        )
        .toBe('1');
    };
    await publishConsumed(0, 900, 'billing');
    expect(await t.state()).toBeUndefined();
    await service.app.inject({
      method: 'POST',
      url: `/v1/alert-rules/${t.ruleId}/disable`,
      headers: t.auth,
    });
    await publishConsumed(1, 900);
    expect(t.fired()).toHaveLength(0);
    expect(await t.state()).toBeUndefined();
    // Enabled again, the same breach fires at once (forMinutes 0): the rule itself works.
    await service.app.inject({
      method: 'POST',
      url: `/v1/alert-rules/${t.ruleId}/enable`,
      headers: t.auth,
    });
    await t.publish(2, 900);
    await t.applied(2);
    expect(await t.state()).toMatchObject({
      status: 'pending',
      activeAt: new Date(t.start + 3 * MINUTE).toISOString(),
    });
    // The alert waits until the window before 2 is final (a breach arriving there late would
    // start the episode earlier); window 3 moves event time past the two-minute grace.
    await t.publish(3, 100);
    await expect.poll(() => t.fired().length, { timeout: 30_000, interval: 100 }).toBe(1);
    expect(t.fired()[0]?.payload).toMatchObject({
      activeAt: new Date(t.start + 3 * MINUTE).toISOString(),
      firedAt: new Date(t.start + 3 * MINUTE).toISOString(),
    });
  });

  it('keeps a pending alert across a restart and fires it exactly once', async () => {
    const t = await setup(3);
    await t.publish(0, 700);
    await t.publish(1, 700);
    await t.applied(1);
    expect(await t.state()).toMatchObject({ status: 'pending' });
    // The reader reads over the service's bus, which closes with it: it reopens from the beginning.
    await alerts.close();
    await service.close();
    service = await startAlertRuleService({ config });
    alerts = await openAlerts(service);
    await t.publish(2, 700);
    await t.applied(2);
    expect(t.fired()).toHaveLength(0);
    await t.publish(3, 700);
    await expect.poll(() => t.fired().length, { timeout: 30_000, interval: 100 }).toBe(1);
    expect(t.fired()[0]?.payload).toMatchObject({
      activeAt: new Date(t.start + MINUTE).toISOString(),
    });
  });

  it('evaluates only windows of its own size', async () => {
    const t = await setup(0, {
      condition: {
        metric,
        window: '5m',
        aggregation: 'p95',
        groupBy: ['service'],
        operator: 'gt',
        threshold: 500,
        forMinutes: 0,
      },
    });
    // Minutes 0-9 as 1-minute windows breach; the 5-minute rule must not see them.
    for (let minute = 0; minute < 10; minute += 1) await t.publish(minute, 900);
    // Two 5-minute windows over the same span: quiet, then breaching (aligned starts).
    const fiveMinuteStart = Math.ceil(t.start / (5 * MINUTE)) * 5 * MINUTE;
    const offset = (fiveMinuteStart - t.start) / MINUTE;
    await t.publish(offset, 100, undefined, undefined, '5m');
    await t.publish(offset + 5, 900, undefined, undefined, '5m');
    await expect.poll(() => t.fired().length, { timeout: 30_000, interval: 100 }).toBe(1);
    const fired = new Date(fiveMinuteStart + 10 * MINUTE).toISOString();
    expect(t.fired()[0]?.payload).toMatchObject({ activeAt: fired, firedAt: fired });
    expect(await t.ruleState()).toMatchObject({
      window: '5m',
      lateWindows: 0,
      groups: [{ lastWindowEnd: fired }],
    });
  });

  it('puts a window that arrives after its successor in its place, and counts a too-late one', async () => {
    const t = await setup(1);
    await t.publish(0, 100);
    await t.publish(1, 700);
    await t.publish(3, 700);
    await t.applied(3);
    // Window 2 is missing: window 3 starts a new episode.
    expect(await t.state()).toMatchObject({
      status: 'pending',
      activeAt: new Date(t.start + 4 * MINUTE).toISOString(),
    });
    await t.publish(2, 700);
    await expect.poll(() => t.fired().length, { timeout: 30_000, interval: 100 }).toBe(1);
    expect(t.fired()[0]?.payload).toMatchObject({
      activeAt: new Date(t.start + 2 * MINUTE).toISOString(),
      firedAt: new Date(t.start + 3 * MINUTE).toISOString(),
    });
    // Ten minutes on, window 5 is far behind the two-minute grace: ignored, counted.
    await t.publish(10, 100);
    await t.applied(10);
    await t.publish(5, 900);
    await expect
      .poll(async () => (await t.ruleState()).lateWindows, { timeout: 30_000, interval: 100 })
      .toBe(1);
    expect(await t.state()).toMatchObject({ status: 'inactive' });
    expect(t.fired()).toHaveLength(1);
  });
});
