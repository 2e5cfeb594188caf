/**
 * Publish throughput of the event bus adapters against a bare kafkajs producer, on real local
 * infrastructure (or DATABASE_URL / KAFKA_BROKERS when set). Not a test: it prints a table.
 *
 *   pnpm bench:bus    env: BENCH_N=20000 events, BENCH_BATCH=100 per publish call, BENCH_ROUNDS=3
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { startKafka, startPostgres } from '@obs/local-infra';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import pino from 'pino';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import type { DomainEvent, TenantId } from '@obs/domain';
import { topicFor } from '@obs/event-envelope';
import type { BusMessage } from '../src/bus/event-bus.js';
import { KafkaEventBus } from '../src/bus/kafka-event-bus.js';
import { PostgresEventBus } from '../src/bus/postgres-event-bus.js';
import { openDataSource } from '../src/db/data-source.js';
import { UnitOfWork } from '../src/db/unit-of-work.js';
import { OutboxRelay } from '../src/outbox/outbox-relay.js';

export interface BenchContext {
  readonly kafkaBrokers: string;
  readonly databaseUrl: string;
  readonly events: number;
  readonly batchSize: number;
  /** Timed repetitions per path; the table shows the median. */
  readonly rounds: number;
}

export interface PathResult {
  readonly path: string;
  readonly events: number;
  readonly seconds: number;
}

type Publish = (batch: readonly BusMessage[]) => Promise<void>;

const ENVELOPE_BYTES = 500;

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** A canonical-envelope-shaped value padded to ~500 bytes, the size of a typical domain event. */
function envelope(topic: string, seq: number): BusMessage {
  const aggregateId = `incident-${seq % 1000}`;
  const value = {
    specVersion: '1.0',
    eventId: randomUUID(),
    eventType: 'IncidentOpened',
    eventVersion: 1,
    occurredAt: new Date(1_700_000_000_000 + seq).toISOString(),
    producer: 'bench',
    tenantId: 'tenant-bench',
    traceId: null,
    correlationId: randomUUID(),
    causationId: null,
    aggregate: { type: 'Incident', id: aggregateId, version: 1 },
    payload: { severity: 'high', title: 'bench', note: '' },
  };
  const unpadded = JSON.stringify(value).length;
  value.payload.note = 'x'.repeat(Math.max(0, ENVELOPE_BYTES - unpadded));
  return {
    topic,
    key: aggregateId,
    value: JSON.stringify(value),
    headers: { 'event-type': 'IncidentOpened', 'tenant-id': 'tenant-bench' },
  };
}

const WARMUP_BATCHES = 20;

/** A publish path under test, already connected. */
interface PathUnderTest {
  readonly path: string;
  readonly topic: string;
  readonly publish: Publish;
  close(): Promise<void>;
}

/**
 * Warms every path up outside the clock (connections, metadata, JIT, the broker's first segment
 * writes), then times the paths in interleaved, rotating rounds and keeps each one's median: the
 * path that runs first would otherwise pay for the cold broker, and one GC pause would decide.
 */
async function measure(
  paths: readonly PathUnderTest[],
  context: BenchContext,
): Promise<PathResult[]> {
  let seq = 0;
  const batches = (topic: string, events: number): BusMessage[][] => {
    const result: BusMessage[][] = [];
    for (let from = 0; from < events; from += context.batchSize) {
      const size = Math.min(context.batchSize, events - from);
      result.push(Array.from({ length: size }, () => envelope(topic, seq++)));
    }
    return result;
  };
  for (const { topic, publish } of paths) {
    for (const batch of batches(topic, WARMUP_BATCHES * context.batchSize)) await publish(batch);
  }
  const durations = paths.map((): number[] => []);
  for (let round = 0; round < context.rounds; round += 1) {
    // Rotate who goes first: the first path of a round measurably pays for the garbage the
    // previous one left behind (GC), so every path takes every position once over the rounds.
    for (let k = 0; k < paths.length; k += 1) {
      const i = (round + k) % paths.length;
      const { topic, publish } = paths[i] ?? {};
      if (!topic || !publish) continue;
      const prepared = batches(topic, context.events);
      const started = performance.now();
      for (const batch of prepared) await publish(batch);
      durations[i]?.push((performance.now() - started) / 1000);
    }
  }
  return paths.map(({ path }, i) => {
    const sorted = [...(durations[i] ?? [])].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
    return { path, events: context.events, seconds: median };
  });
}

/** The floor: kafkajs alone, configured exactly like KafkaEventBus's producer. */
async function openBareKafka(context: BenchContext, topic: string): Promise<PathUnderTest> {
  const kafka = new Kafka({
    clientId: 'bench-bare',
    brokers: context.kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return {
    path: 'bare kafkajs producer',
    topic,
    publish: async (batch) => {
      await producer.send({
        topic,
        acks: -1,
        messages: batch.map(({ key, value, headers }) => ({ key, value, headers: { ...headers } })),
      });
    },
    close: () => producer.disconnect(),
  };
}

function openKafkaBus(context: BenchContext, topic: string): PathUnderTest {
  const bus = new KafkaEventBus({ brokers: context.kafkaBrokers.split(','), clientId: 'bench' });
  return {
    path: 'KafkaEventBus.publish',
    topic,
    publish: (batch) => bus.publish(batch),
    close: () => bus.close(),
  };
}

async function openPostgresBus(context: BenchContext, topic: string): Promise<PathUnderTest> {
  const bus = new PostgresEventBus({
    pool: new Pool({ connectionString: context.databaseUrl }),
    ownsPool: true,
  });
  await bus.ensureTopics([topic]);
  return {
    path: 'PostgresEventBus.publish',
    topic,
    publish: (batch) => bus.publish(batch),
    close: () => bus.close(),
  };
}

/**
 * The transactional-outbox path end to end: each batch is written as DashboardDefined events into
 * the outbox in one transaction (as a service's unit of work does), while the relay publishes them
 * through KafkaEventBus. The clock stops when the relay has published all N.
 */
export async function runOutboxRelayPaths(context: BenchContext): Promise<PathResult[]> {
  const schema = 'bench_outbox';
  const dataSource = await openDataSource({
    url: context.databaseUrl,
    schema,
    entities: [],
    migrations: [],
  });
  const bus = new KafkaEventBus({
    brokers: context.kafkaBrokers.split(','),
    clientId: 'bench-outbox',
  });
  const topic = topicFor('DashboardDefined');
  await bus.ensureTopics([topic]);
  const uow = new UnitOfWork(dataSource, schema, 'bench');
  const relay = new OutboxRelay({
    databaseUrl: context.databaseUrl,
    schema,
    bus,
    logger: pino({ level: 'warn' }),
    pollMs: 1000,
    batchSize: context.batchSize,
  });
  const origin = { context: ROOT_CONTEXT };
  const write = async (events: number): Promise<void> => {
    for (let from = 0; from < events; from += context.batchSize) {
      const size = Math.min(context.batchSize, events - from);
      await uow.run(origin, (tx) => tx.publish(Array.from({ length: size }, dashboardEvent), 1));
    }
  };
  // Relay alone: the rows are committed first, then drained (what the relay adds over a producer).
  const drainOnly = async (): Promise<number> => {
    await write(context.events);
    const started = performance.now();
    await relay.drain();
    return (performance.now() - started) / 1000;
  };
  // End to end: transactional writes with the relay running beside them, until all are published.
  const endToEnd = async (): Promise<number> => {
    const target = relay.publishedCount + context.events;
    const started = performance.now();
    await write(context.events);
    while (relay.publishedCount < target) await new Promise((resolve) => setTimeout(resolve, 2));
    return (performance.now() - started) / 1000;
  };
  const median = (values: number[]): number =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  try {
    await write(WARMUP_BATCHES * context.batchSize);
    await relay.drain();
    const drained: number[] = [];
    for (let round = 0; round < context.rounds; round += 1) drained.push(await drainOnly());
    relay.start();
    const ended: number[] = [];
    for (let round = 0; round < context.rounds; round += 1) ended.push(await endToEnd());
    return [
      {
        path: 'outbox relay -> Kafka (rows committed)',
        events: context.events,
        seconds: median(drained),
      },
      {
        path: 'outbox write + relay -> Kafka (end to end)',
        events: context.events,
        seconds: median(ended),
      },
    ];
  } finally {
    await relay.stop();
    await bus.close();
    await dataSource.destroy();
  }
}

function dashboardEvent(): DomainEvent {
  const id = randomUUID();
  return {
    eventType: 'DashboardDefined',
    aggregateType: 'DashboardDefinition',
    aggregateId: id,
    tenantId: 'tenant-bench' as TenantId,
    traceId: null,
    occurredAt: new Date().toISOString(),
    payload: {
      dashboardId: id,
      name: `bench ${'x'.repeat(200)}`,
      scope: { projectId: 'bench', moduleId: null },
      panelCount: 1,
      version: 1,
    },
  };
}

function printTable(results: readonly PathResult[]): void {
  const baseline = results[0];
  const rate = (r: PathResult): number => r.events / r.seconds;
  const rows = results.map((r) => [
    r.path,
    String(r.events),
    r.seconds.toFixed(2),
    Math.round(rate(r)).toLocaleString('en-US'),
    baseline ? `${(rate(r) / rate(baseline)).toFixed(2)}x` : '-',
  ]);
  const header = ['path', 'events', 'seconds', 'events/s', 'vs bare'];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  const postgres = await startPostgres();
  const kafka = await startKafka();
  try {
    const context: BenchContext = {
      kafkaBrokers: kafka.brokers,
      databaseUrl: postgres.url,
      events: positiveInt('BENCH_N', 20_000),
      batchSize: positiveInt('BENCH_BATCH', 100),
      rounds: positiveInt('BENCH_ROUNDS', 3),
    };
    const run = randomUUID().slice(0, 8);
    const topics = { bare: `bench.bare.${run}`, bus: `bench.bus.${run}` };
    const admin = new KafkaEventBus({ brokers: kafka.brokers.split(','), clientId: 'bench-admin' });
    await admin.ensureTopics(Object.values(topics));
    await admin.close();

    console.log(
      `publishing ${context.events} events of ~${ENVELOPE_BYTES} B in calls of ${context.batchSize}` +
        ` (acks=all, idempotent, 3 partitions); median of ${context.rounds} interleaved rounds\n`,
    );
    const paths = [
      await openBareKafka(context, topics.bare),
      openKafkaBus(context, topics.bus),
      await openPostgresBus(context, `bench.pg.${run}`),
    ];
    let results: PathResult[];
    try {
      results = await measure(paths, context);
    } finally {
      await Promise.all(paths.map((p) => p.close()));
    }
    results.push(...(await runOutboxRelayPaths(context)));
    printTable(results);
  } finally {
    await kafka.close();
    await postgres.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
