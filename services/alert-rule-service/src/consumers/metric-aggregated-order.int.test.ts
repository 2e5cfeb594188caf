import type {} from '@obs/local-infra';
import { AlertEvaluation, AlertRule, dimensionKey, type AlertTriggered } from '@obs/domain';
import { streamKeyOf, topicFor, type Envelope } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { bearer, busMessageOf, type TopicReader } from '@obs/service-kit/testing';
import fc from 'fast-check';
import { Kafka, logLevel, Partitioners, type PartitionMetadata } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  alertsOf,
  baseMinute,
  MINUTE,
  openAlerts,
  ruleBody,
  seedMetric,
  startAlertRuleService,
  uniqueTenant,
  waitUntil,
  windowEnvelope,
} from '../../test/alert-rule-test-kit.js';

/*
 * The arrival-order property of the domain (alert-evaluation-order.unit.test.ts), over the real
 * bus: MetricAggregated published in a shuffled order to a topic with several partitions, keyed
 * by streamKeyOf as the outbox writer keys it, read by the service's consumer, which interleaves
 * partitions as it likes. Two series per group sit on different partitions, so their windows
 * reach the evaluation in an order no test controls. The alerts must be those of the windows in
 * event-time order.
 */

const metric = 'http.server.duration';
const METRIC_TOPIC = topicFor('MetricAggregated');
const MIN_PARTITIONS = 3;
/** Wider than the span of a run's windows, so every arrival order is within it. */
const GRACE_MS = 60 * MINUTE;
const SLOTS = 10;

let service: RunningService;
let alerts: TopicReader;
let partitions: PartitionMetadata[];

/** The topic must have partitions to interleave; created here, before the service subscribes. */
async function ensurePartitionedTopic(): Promise<PartitionMetadata[]> {
  const kafka = new Kafka({
    clientId: 'alert-order-test-admin',
    brokers: inject('infra').kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(METRIC_TOPIC)) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: METRIC_TOPIC, numPartitions: MIN_PARTITIONS, replicationFactor: 1 }],
      });
    }
    const fetch = async () =>
      (await admin.fetchTopicMetadata({ topics: [METRIC_TOPIC] })).topics[0]?.partitions ?? [];
    // Created earlier by a broker default (one partition): widen it rather than test nothing.
    if ((await fetch()).length < MIN_PARTITIONS) {
      await admin.createPartitions({
        topicPartitions: [{ topic: METRIC_TOPIC, count: MIN_PARTITIONS }],
      });
    }
    return await fetch();
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  partitions = await ensurePartitionedTopic();
  expect(partitions.length).toBeGreaterThanOrEqual(MIN_PARTITIONS);
  service = await startAlertRuleService({ config: { latenessGraceMs: GRACE_MS } });
  alerts = await openAlerts(service);
});
afterAll(async () => {
  await alerts.close();
  await service.close();
});

const partitionOf = (() => {
  const partitioner = Partitioners.DefaultPartitioner();
  return (key: string): number =>
    partitioner({
      topic: METRIC_TOPIC,
      partitionMetadata: partitions,
      message: { key, value: '' },
    });
})();

/** Host names for two series of one service whose records land on different partitions. */
function hostsOnTwoPartitions(tenantId: string, service: string, start: number): [string, string] {
  const keyOf = (host: string) =>
    streamKeyOf(windowEnvelope({ tenantId, metric, start, p95: 0, group: { service, host } }));
  const first = 'h0';
  for (let i = 1; i < 100; i += 1) {
    const other = `h${i}`;
    if (partitionOf(keyOf(other)) !== partitionOf(keyOf(first))) return [first, other];
  }
  throw new Error('no two hosts on different partitions');
}

const scenario = fc.record({
  forMinutes: fc.integer({ min: 0, max: 3 }),
  cells: fc
    .array(
      fc.record({
        service: fc.constantFrom('a', 'b'),
        host: fc.constantFrom(0, 1),
        slot: fc.integer({ min: 0, max: SLOTS - 1 }),
        breach: fc.boolean(),
      }),
      { minLength: 10, maxLength: 30 },
    )
    // One window per series and slot, as metric-aggregation-service closes each once.
    .map((cells) => [
      ...new Map(cells.map((c) => [`${c.service}|${c.host}|${c.slot}`, c])).values(),
    ]),
  order: fc.array(fc.nat(), { minLength: 30, maxLength: 30 }),
});

function alertSet(events: readonly { payload: AlertTriggered['payload'] }[]): string[] {
  return events
    .map((e) => `${e.payload.fingerprint}|${e.payload.activeAt}|${e.payload.firedAt}`)
    .sort();
}

async function appliedCount(eventIds: readonly string[]): Promise<number> {
  const rows = await service.ctx.dataSource.query<{ n: string }[]>(
    `SELECT count(*) AS n FROM ${service.ctx.table('inbox')}
     WHERE consumer = 'metric-aggregated' AND event_id = ANY($1::uuid[])`,
    [eventIds],
  );
  return Number(rows[0]?.n ?? 0);
}

describe('MetricAggregated over a partitioned topic', () => {
  it('property: shuffled windows over three partitions fire the same alerts as in event-time order', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ forMinutes, cells, order }) => {
        const tenantId = uniqueTenant('order');
        const auth = bearer(tenantId, ['read', 'write']);
        await seedMetric(service, auth, tenantId, metric);
        const condition = {
          metric,
          aggregation: 'p95',
          groupBy: ['service'],
          operator: 'gt',
          threshold: 500,
          forMinutes,
        } as const;
        const created = await service.app.inject({
          method: 'POST',
          url: '/v1/alert-rules',
          headers: auth,
          payload: ruleBody(metric, { condition }),
        });
        expect(created.statusCode, created.body).toBe(201);
        const rule = created.json<{ id: string; name: string }>();

        const start = baseMinute() - 30 * MINUTE;
        const hosts = {
          a: hostsOnTwoPartitions(tenantId, 'a', start),
          b: hostsOnTwoPartitions(tenantId, 'b', start),
        };
        const windows = cells.map((c) =>
          windowEnvelope({
            tenantId,
            metric,
            start: start + c.slot * MINUTE,
            p95: c.breach ? 600 + c.slot : 100 + c.slot,
            group: { service: c.service, host: hosts[c.service][c.host] },
          }),
        );
        const shuffled = windows
          .map((envelope, i) => ({ envelope, rank: order[i] ?? i }))
          .sort((x, y) => x.rank - y.rank)
          .map((x) => x.envelope);
        await service.ctx.bus.publish(shuffled.map((envelope) => busMessageOf(envelope)));
        await waitUntil(
          async () => (await appliedCount(windows.map((w) => w.eventId))) === windows.length,
          'every window applied',
        );
        // A quiet window an hour on makes every earlier one final: all episodes are decided.
        const flush = windowEnvelope({
          tenantId,
          metric,
          start: start + (SLOTS + 70) * MINUTE,
          p95: 1,
          group: { service: 'a', host: hosts.a[0] },
        });
        await service.ctx.bus.publish([busMessageOf(flush)]);
        await waitUntil(async () => (await appliedCount([flush.eventId])) === 1, 'the flush');

        // The rule's own statement: the same windows, in event-time order, through the domain.
        const reference = AlertEvaluation.create(
          AlertRule.create(
            {
              alertRuleId: rule.id,
              tenantId,
              name: rule.name,
              scope: { projectId: 'checkout' },
              condition,
              severity: 'critical',
            },
            { knownMetrics: new Set([metric]), nameTaken: false },
          ),
          { latenessGraceMs: GRACE_MS },
        );
        const inOrder = [...windows, flush].sort(
          (x, y) => Date.parse(x.payload.windowEnd) - Date.parse(y.payload.windowEnd),
        );
        for (const { payload: w } of inOrder) {
          const group = { service: w.group.service ?? '' };
          reference.observe({
            window: w.window,
            windowStart: w.windowStart,
            windowEnd: w.windowEnd,
            value: w.values.p95,
            groupKey: dimensionKey(group),
            group,
          });
        }
        const expected = alertSet(
          reference.pullEvents().filter((e) => e.eventType === 'AlertTriggered'),
        );

        // What the service committed (outbox, in the transactions of those windows) ...
        const queued = await service.ctx.dataSource.query<
          { message_key: string; envelope: string }[]
        >(
          `SELECT message_key, envelope FROM ${service.ctx.table('outbox')}
           WHERE topic = $1 AND (envelope::jsonb) -> 'payload' ->> 'alertRuleId' = $2`,
          [topicFor('AlertTriggered'), rule.id],
        );
        const committed = queued.map((row) => JSON.parse(row.envelope) as Envelope);
        expect(queued.every((row) => row.message_key === rule.id)).toBe(true);
        // (the topic also carries the AlertResolved of episodes that ended)
        const triggered = committed.filter((e) => e.eventType === 'AlertTriggered');
        expect(alertSet(triggered.map(triggeredOf))).toEqual(expected);
        // ... and what reached Kafka: each alert exactly once.
        await expect
          .poll(() => alertSet(alertsOf(alerts, tenantId, rule.id)), {
            timeout: 30_000,
            interval: 100,
          })
          .toEqual(expected);
        const state = (
          await service.app.inject({
            method: 'GET',
            url: `/v1/alert-rules/${rule.id}/state`,
            headers: auth,
          })
        ).json<{ lateWindows: number }>();
        expect(state.lateWindows).toBe(0);
      }),
      { numRuns: 10, endOnFailure: true },
    );
  });
});

function triggeredOf(envelope: Envelope): { payload: AlertTriggered['payload'] } {
  if (envelope.eventType !== 'AlertTriggered') throw new Error('not an alert');
  return envelope;
}
