import { topicFor } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { TestClock, TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MINUTE,
  closeWindows,
  point,
  sendPoints,
  seriesOf,
  startMetricService,
  uniqueTenant,
} from '../../test/metric-test-kit.js';

const clock = new TestClock(Date.parse('2031-03-01T12:00:00.000Z'));
let service: RunningService;
let topic: TopicReader;
const TRACE = (n: number) => n.toString(16).padStart(32, 'a');

beforeAll(async () => {
  // The graces these tests were written for (grace 30 s, idle close 5 min); the defaults are
  // tested in their own suite below.
  service = await startMetricService({
    clock,
    config: { exemplars: 2, graceMs: 30_000, idleCloseMs: 5 * MINUTE },
  });
  topic = await TopicReader.open(service.ctx.bus, [topicFor('MetricAggregated')]);
});
afterAll(async () => {
  await topic.close();
  await service.close();
});

describe('the window-close job', () => {
  it('closes a window once the watermark passes end + grace, emitting MetricAggregated once', async () => {
    const tenant = uniqueTenant('close');
    const t0 = clock.nowMs;
    await sendPoints(service, tenant, [
      point('http.server.duration', 10, t0 + 1000, { traceId: TRACE(1) }),
      point('http.server.duration', 30, t0 + 2000, { traceId: TRACE(2) }),
      point('http.server.duration', 20, t0 + 3000, { traceId: TRACE(3) }),
    ]);
    // Watermark t0+3s: nothing is due.
    await closeWindows(service);
    // A point at end + grace − 1 ms keeps the first minute open.
    await sendPoints(service, tenant, [point('other', 1, t0 + MINUTE + 29_999)]);
    await closeWindows(service);
    expect(topic.of(tenant, 'MetricAggregated')).toEqual([]);
    // Watermark end + grace: the first minute closes, nothing coarser.
    await sendPoints(service, tenant, [point('other', 1, t0 + MINUTE + 30_000)]);
    await closeWindows(service);
    const [event, ...more] = await topic.waitFor(tenant, 'MetricAggregated', 1);
    expect(more).toEqual([]);
    expect(event?.occurredAt).toBe(new Date(t0 + MINUTE + 30_000).toISOString());
    expect(event?.aggregate.version).toBe(2);
    expect(event?.payload).toMatchObject({
      metricName: 'http.server.duration',
      window: '1m',
      windowStart: new Date(t0).toISOString(),
      windowEnd: new Date(t0 + MINUTE).toISOString(),
      projectId: 'checkout',
      unit: 'ms',
      values: { count: 3, sum: 60, avg: 20, min: 10, max: 30 },
      exemplars: [
        { traceId: TRACE(2), value: 30 },
        { traceId: TRACE(3), value: 20 },
      ],
    });
    expect(event?.payload.group).toMatchObject({ service: 'payments-api', projectId: 'checkout' });
    // Keyed by series (never windowStart), as the event definition declares.
    const record = topic.messageOf(event?.eventId ?? '');
    expect(record?.key).toBe(
      [tenant, 'checkout', 'http.server.duration', '1m', event?.payload.groupKey].join('|'),
    );
    await closeWindows(service);
    expect(
      topic
        .of(tenant, 'MetricAggregated')
        .filter((e) => e.payload.metricName === 'http.server.duration'),
    ).toHaveLength(1);
  });

  it('counts and drops late points instead of revising a closed window', async () => {
    const tenant = uniqueTenant('late');
    clock.advanceMinutes(10);
    const t0 = clock.nowMs;
    await sendPoints(service, tenant, [point('queue.depth', 5, t0 + 1000)]);
    await sendPoints(service, tenant, [point('queue.depth', 1, t0 + 2 * MINUTE)]);
    await closeWindows(service);
    await topic.waitFor(tenant, 'MetricAggregated', 1);
    const late = await sendPoints(service, tenant, [
      point('queue.depth', 100, t0 + 2000),
      point('queue.depth', 2, t0 + 2 * MINUTE + 1000),
    ]);
    expect(late).toEqual({ accepted: 1, late: 1 });
    const series = await seriesOf(service, tenant, {
      metricName: 'queue.depth',
      window: '1m',
      aggregation: 'max',
      from: new Date(t0).toISOString(),
      to: new Date(t0 + 3 * MINUTE).toISOString(),
    });
    expect(series.series[0]?.points.map((p) => [p.value, p.count])).toEqual([
      [5, 1],
      [2, 2],
    ]);
    // The 5m window is still open, and the late point is left out of it too (it would no longer
    // be the merge of its minutes).
    const fiveMinutes = await seriesOf(service, tenant, {
      metricName: 'queue.depth',
      window: '5m',
      aggregation: 'sum',
      from: new Date(t0).toISOString(),
      to: new Date(t0 + 5 * MINUTE).toISOString(),
    });
    expect(fiveMinutes.series[0]?.points.map((p) => [p.value, p.count])).toEqual([[8, 3]]);
    const catalogue: unknown = await service.ctx.dataSource.query(
      `SELECT late_points FROM ${service.ctx.table('metrics')} WHERE tenant_id = $1 AND name = $2`,
      [tenant, 'queue.depth'],
    );
    expect(catalogue).toEqual([{ late_points: '1' }]);
    await closeWindows(service);
    const events = topic.of(tenant, 'MetricAggregated').filter((e) => e.payload.window === '1m');
    expect(events.map((e) => e.payload.values.count)).toEqual([1]);
  });

  it('closes a quiet tenant on the clock after the idle timeout, every size in time', async () => {
    const tenant = uniqueTenant('idle');
    const t0 = Date.parse('2031-02-01T00:00:00.000Z');
    await sendPoints(service, tenant, [point('cpu', 1, t0 + 1000), point('cpu', 3, t0 + 2000)]);
    await closeWindows(service);
    // The clock is a month ahead: the idle rule makes the watermark now − 5 min.
    // Each size is its own series (its own key), so their order across partitions is free.
    const order = ['1m', '5m', '1h', '1d'];
    const events = (await topic.waitFor(tenant, 'MetricAggregated', 4)).sort(
      (a, b) => order.indexOf(a.payload.window) - order.indexOf(b.payload.window),
    );
    expect(events.map((e) => e.payload.window)).toEqual(order);
    for (const e of events)
      expect(e.payload.values).toMatchObject({ count: 2, sum: 4, min: 1, max: 3 });
    // The 1h window is the merge of its minutes exactly.
    expect(events[2]?.payload.values).toEqual(events[0]?.payload.values);
  });
});

describe('the window-close job at the default settings (timeliness)', () => {
  const defaultsClock = new TestClock(Date.parse('2031-04-01T12:00:00.000Z'));
  let defaults: RunningService;
  beforeAll(async () => {
    defaults = await startMetricService({ clock: defaultsClock });
  });
  afterAll(async () => {
    await defaults.close();
  });

  it('closes a silent window at its end + 15 s grace + 5 s idle by the clock; later points are late', async () => {
    const tenant = uniqueTenant('timely');
    const t0 = defaultsClock.nowMs;
    defaultsClock.nowMs = t0 + 50_000;
    await sendPoints(defaults, tenant, [point('spike', 900, t0 + 50_000)]);
    // Nothing more comes: the watermark follows the clock minus the idle close (5 s).
    defaultsClock.nowMs = t0 + MINUTE + 19_999;
    await closeWindows(defaults);
    expect(topic.of(tenant, 'MetricAggregated')).toEqual([]);
    defaultsClock.nowMs = t0 + MINUTE + 20_000;
    await closeWindows(defaults);
    const [event, ...more] = await topic.waitFor(tenant, 'MetricAggregated', 1);
    expect(more).toEqual([]);
    expect(event?.payload).toMatchObject({
      window: '1m',
      windowEnd: new Date(t0 + MINUTE).toISOString(),
      values: { count: 1, max: 900 },
    });
    // occurredAt is the window's end + the grace, whenever the job ran.
    expect(event?.occurredAt).toBe(new Date(t0 + MINUTE + 15_000).toISOString());
    // A point of that window arriving now (20 s after its end) is late: counted, not folded.
    expect(await sendPoints(defaults, tenant, [point('spike', 5, t0 + 59_000)])).toEqual({
      accepted: 0,
      late: 1,
    });
  });
});
