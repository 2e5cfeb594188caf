import { alertRuleService } from '@obs/alert-rule-service';
import { topicFor } from '@obs/event-envelope';
import { buildService, createEventBus, mintToken, type BusMessage } from '@obs/service-kit';
import { Kafka, logLevel } from 'kafkajs';
import { metricWindowMessages } from '@obs/service-kit/testing';

export interface LoopOptions {
  readonly env: Record<string, string>;
  readonly rules: number;
  readonly incidentsBase: string;
}

export interface LoopResult {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

const tenant = 'bench-loop';
const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

/**
 * The detection-to-reaction loop: for each of N rules (forMinutes 1, so the second of two
 * breaching windows fires), the time from the acknowledged publish of that window's
 * MetricAggregated to the IncidentOpened record for that rule arriving on Kafka. Rules are
 * measured one at a time: unloaded latency. Not forMinutes 0: an alert is announced only once
 * the window before its episode is final (docs/services/alert-rule.md), so under a lateness grace
 * above one window (ALERT_LATENESS_GRACE_MS) a single breaching window would wait for the next one
 * and the loop would measure the gap between publishes. The spike-to-incident time with the
 * metric service in the path is `pnpm bench:alert-latency` (alert-latency.bench.ts).
 */
export async function measureLoopLatency(options: LoopOptions): Promise<LoopResult> {
  const alerts = await buildService(alertRuleService, { env: options.env });
  const bus = createEventBus({
    kafkaBrokers: options.env.KAFKA_BROKERS ?? '',
    databaseUrl: options.env.DATABASE_URL ?? '',
    clientId: 'bench-loop',
  });
  const kafka = new Kafka({
    clientId: 'bench-loop',
    brokers: (options.env.KAFKA_BROKERS ?? '').split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `bench-loop-${Date.now()}` });
  const opened = new Map<string, number>();
  try {
    const base = await alerts.listen(0);
    const auth = {
      authorization: `Bearer ${mintToken({ tenantId: tenant, scopes: ['read', 'write'], secret: options.env.JWT_SECRET })}`,
      'content-type': 'application/json',
    };
    await consumer.connect();
    await consumer.subscribe({ topic: topicFor('IncidentOpened'), fromBeginning: false });
    await consumer.run({
      eachMessage: ({ message }) => {
        const envelope = JSON.parse(message.value?.toString() ?? '{}') as {
          eventType?: string;
          tenantId?: string;
          payload?: { sourceRef?: string };
        };
        const ref = envelope.payload?.sourceRef;
        if (envelope.eventType === 'IncidentOpened' && envelope.tenantId === tenant && ref)
          opened.set(ref.split(':')[0] ?? '', performance.now());
        return Promise.resolve();
      },
    });
    const run = Date.now();
    const metric = (i: number) => `bench.loop.${run}.${i}`;
    const windowStart = Math.floor(Date.now() / 60_000) * 60_000;
    const window = (i: number, p95: number, offset: number): BusMessage[] =>
      metricWindowMessages(
        {
          tenantId: tenant,
          metric: metric(i),
          projectId: 'bench',
          group: { service: 'api' },
          firstWindowStart: windowStart + offset * 60_000,
        },
        [p95],
      );
    // Seed the metric catalogue with a quiet window per metric, then create the rules.
    await bus.publish(Array.from({ length: options.rules }, (_, i) => window(i, 100, 0)).flat());
    const ruleIds: string[] = [];
    for (let i = 0; i < options.rules; i += 1) {
      const body = JSON.stringify({
        name: `loop ${i}`,
        scope: { projectId: 'bench' },
        condition: {
          metric: metric(i),
          aggregation: 'p95',
          operator: 'gt',
          threshold: 500,
          forMinutes: 1,
        },
        severity: 'high',
        actions: [{ type: 'incident', target: 'on-call-primary' }],
      });
      for (let attempt = 0; ; attempt += 1) {
        const res = await fetch(`${base}/v1/alert-rules`, { method: 'POST', headers: auth, body });
        if (res.status === 201) {
          ruleIds.push(((await res.json()) as { id: string }).id);
          break;
        }
        // 422 until the catalogue consumer has seen the metric.
        if (res.status !== 422 || attempt > 200)
          throw new Error(`rule ${i}: ${res.status} ${await res.text()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const latencies: number[] = [];
    for (let i = 0; i < ruleIds.length; i += 1) {
      const ruleId = ruleIds[i] ?? '';
      // Same series, so the same partition: the first breach is applied before the second.
      await bus.publish(window(i, 900, 1));
      const published = performance.now();
      await bus.publish(window(i, 900, 2));
      const deadline = published + 30_000;
      while (!opened.has(ruleId) && performance.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 1));
      const at = opened.get(ruleId);
      if (at === undefined) throw new Error(`no IncidentOpened for rule ${ruleId} within 30 s`);
      latencies.push(at - published);
    }
    latencies.sort((a, b) => a - b);
    return {
      samples: latencies.length,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    };
  } finally {
    await consumer.disconnect();
    await bus.close();
    await alerts.close();
  }
}
