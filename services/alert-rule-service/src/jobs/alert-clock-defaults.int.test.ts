import type { RunningService } from '@obs/service-kit';
import { bearer, TestClock, type TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertsOf,
  createP95Rule,
  MINUTE,
  openAlerts,
  startAlertRuleService,
  uniqueTenant,
  windowMessage,
} from '../../test/alert-rule-test-kit.js';

/*
 * The service at its default graces (docs/services/alert-rule.md#timeliness): its own file, so no
 * other instance with other graces shares its consumer group.
 */
const metric = 'http.server.duration';
const SECOND = 1_000;
/** METRIC_WINDOW_GRACE_MS by default: a window ending at E is published at E + 15 s. */
const DEFAULT_METRIC_GRACE = 15 * SECOND;
const clock = new TestClock();
let service: RunningService;
let alerts: TopicReader;

beforeAll(async () => {
  service = await startAlertRuleService({ clock: clock.now, runJobs: false });
  alerts = await openAlerts(service);
});
afterAll(async () => {
  await alerts.close();
  await service.close();
});

describe('alert evaluation at the default graces', () => {
  it('announces a forMinutes-0 spike when its own window arrives: no later window, no tick', async () => {
    const tenantId = uniqueTenant('timely');
    const auth = bearer(tenantId, ['read', 'write']);
    const ruleId = await createP95Rule(service, tenantId, metric, 0);
    const start = Math.ceil(clock.nowMs / MINUTE) * MINUTE + MINUTE;
    const state = async () =>
      (
        await service.app.inject({
          method: 'GET',
          url: `/v1/alert-rules/${ruleId}/state`,
          headers: auth,
        })
      ).json<{ lateWindows: number; groups: { lastWindowEnd: string }[] }>();
    const arrive = async (minute: number, p95: number) => {
      clock.nowMs = start + (minute + 1) * MINUTE + DEFAULT_METRIC_GRACE;
      await service.ctx.bus.publish([
        windowMessage({ tenantId, metric, start: start + minute * MINUTE, p95 }),
      ]);
      await expect
        .poll(async () => (await state()).groups[0]?.lastWindowEnd, { timeout: 30_000 })
        .toBe(new Date(start + (minute + 1) * MINUTE).toISOString());
    };
    const fired = () => alertsOf(alerts, tenantId, ruleId);

    await arrive(0, 100);
    await arrive(1, 900);
    await expect.poll(() => fired().length, { timeout: 30_000 }).toBe(1);
    expect(fired()[0]?.payload).toMatchObject({
      activeAt: new Date(start + 2 * MINUTE).toISOString(),
      observedValue: 900,
    });
    // The cost: a window of another series one window older than the rule's newest is late.
    await service.ctx.bus.publish([
      windowMessage({ tenantId, metric, start, p95: 900, group: { service: 'other' } }),
    ]);
    await expect.poll(async () => (await state()).lateWindows, { timeout: 30_000 }).toBe(1);
    // Let the relay and the reader catch up: still the one alert.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(fired()).toHaveLength(1);
  });
});
