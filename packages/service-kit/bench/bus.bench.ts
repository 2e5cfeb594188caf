/**
 * Publish throughput of the event bus adapters against a bare kafkajs producer, on real local
 * infrastructure (or DATABASE_URL / KAFKA_BROKERS when set). Not a test: it prints a table.
 *
 *   pnpm bench:bus    env: BENCH_N=20000 events, BENCH_BATCH=100 per publish call, BENCH_ROUNDS=5,
 *                     BENCH_ONLY=relay,write (only the paths whose name contains one, plus the baseline)
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
import type { BusMessage, EventBus } from '../src/bus/event-bus.js';
import { KafkaEventBus } from '../src/bus/kafka-event-bus.js';
import { PostgresEventBus } from '../src/bus/postgres-event-bus.js';
import { openDataSource } from '../src/db/data-source.js';
import { UnitOfWork } from '../src/db/unit-of-work.js';
import { OutboxRelay } from '../src/outbox/outbox-relay.js';
import { cpuBetween, sampleCpu, type CpuSample } from '@obs/local-infra';

export interface BenchContext {
  readonly kafkaBrokers: string;
  readonly databaseUrl: string;
  readonly events: number;
  readonly batchSize: number;
  /** Timed repetitions per path; the table shows the median. */
  readonly rounds: number;
}

type Publish = (batch: readonly BusMessage[]) => Promise<void>;

const ENVELOPE_BYTES = 600;
let seq = 0;

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** A canonical-envelope-shaped value padded to ENVELOPE_BYTES, the size of the outbox paths' events. */
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

/** One timed repetition: how long N events took, and each publish call's latency in ms. */
interface RoundResult {
  readonly seconds: number;
  readonly callMs: readonly number[];
  /** CPU ms used meanwhile by this process's main thread, PostgreSQL and Kafka. */
  readonly cpu: CpuSample | undefined;
}

/** A path under test, already connected: warm it up once, then time it round after round. */
interface PathUnderTest {
  readonly path: string;
  warmUp(): Promise<void>;
  round(): Promise<RoundResult>;
  close(): Promise<void>;
}

export interface PathResult {
  readonly path: string;
  readonly events: number;
  /** Median over the rounds. */
  readonly seconds: number;
  /** Events/s of the slowest and the fastest round. */
  readonly minRate: number;
  readonly maxRate: number;
  /** p99 latency of one publish call (one broker acknowledgement) over all rounds, ms. */
  readonly callP99Ms: number;
  /** Median CPU ms per 1,000 events: main thread / PostgreSQL / Kafka, or '-'. */
  readonly cpu: string;
}

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

/** Pre-builds the batches of one round outside the clock. */
function batchesOf(context: BenchContext, topic: string, events: number): BusMessage[][] {
  const result: BusMessage[][] = [];
  for (let from = 0; from < events; from += context.batchSize) {
    const size = Math.min(context.batchSize, events - from);
    result.push(Array.from({ length: size }, () => envelope(topic, seq++)));
  }
  return result;
}

/** A producer path: N pre-built events published in calls of batchSize, one after the other. */
function producerPath(
  path: string,
  context: BenchContext,
  topic: string,
  publish: Publish,
  close: () => Promise<void>,
): PathUnderTest {
  const timed = async (events: number): Promise<RoundResult> => {
    const prepared = batchesOf(context, topic, events);
    const callMs: number[] = [];
    const before = sampleCpu();
    const started = performance.now();
    for (const batch of prepared) {
      const call = performance.now();
      await publish(batch);
      callMs.push(performance.now() - call);
    }
    const seconds = (performance.now() - started) / 1000;
    return { seconds, callMs, cpu: cpuBetween(before, sampleCpu()) };
  };
  return {
    path,
    warmUp: async () => {
      await timed(WARMUP_BATCHES * context.batchSize);
    },
    round: () => timed(context.events),
    close,
  };
}

/**
 * Warms every path up outside the clock (connections, metadata, JIT, the broker's first segment
 * writes), then times the paths in interleaved, rotating rounds and keeps each one's median: the
 * path that runs first would otherwise pay for the cold broker, one GC pause would decide, and a
 * path measured in a quieter minute of this shared machine would look faster than its baseline.
 */
async function measure(
  paths: readonly PathUnderTest[],
  context: BenchContext,
): Promise<PathResult[]> {
  for (const path of paths) await path.warmUp();
  const rounds = paths.map((): RoundResult[] => []);
  for (let round = 0; round < context.rounds; round += 1) {
    // Rotate who goes first: the first path of a round measurably pays for the garbage the
    // previous one left behind (GC), so every path takes every position over the rounds.
    for (let k = 0; k < paths.length; k += 1) {
      const i = (round + k) % paths.length;
      const path = paths[i];
      if (path) rounds[i]?.push(await path.round());
    }
  }
  return paths.map(({ path }, i) => {
    const results = rounds[i] ?? [];
    const rates = results.map((r) => context.events / r.seconds);
    return {
      path,
      events: context.events,
      seconds: median(results.map((r) => r.seconds)),
      minRate: Math.min(...rates),
      maxRate: Math.max(...rates),
      callP99Ms: percentile(
        results.flatMap((r) => r.callMs),
        99,
      ),
      cpu: results.every((r) => r.cpu)
        ? (['main', 'postgres', 'kafka'] as const)
            .map((k) => median(results.map((r) => ((r.cpu?.[k] ?? 0) * 1000) / context.events)))
            .map((ms) => ms.toFixed(0))
            .join(' / ')
        : '-',
    };
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
  return producerPath(
    'bare kafkajs producer (baseline)',
    context,
    topic,
    async (batch) => {
      await producer.send({
        topic,
        acks: -1,
        messages: batch.map(({ key, value, headers }) => ({ key, value, headers: { ...headers } })),
      });
    },
    () => producer.disconnect(),
  );
}

function openKafkaBus(context: BenchContext, topic: string): PathUnderTest {
  const bus = new KafkaEventBus({ brokers: context.kafkaBrokers.split(','), clientId: 'bench' });
  return producerPath(
    'KafkaEventBus.publish',
    context,
    topic,
    (batch) => bus.publish(batch),
    () => bus.close(),
  );
}

async function openPostgresBus(context: BenchContext, topic: string): Promise<PathUnderTest> {
  const bus = new PostgresEventBus({
    pool: new Pool({ connectionString: context.databaseUrl }),
    ownsPool: true,
  });
  await bus.ensureTopics([topic]);
  return producerPath(
    'PostgresEventBus.publish',
    context,
    topic,
    (batch) => bus.publish(batch),
    () => bus.close(),
  );
}

/** Delegates to a bus and times each publish call, so the relay's acknowledgements show a p99. */
class TimedBus implements EventBus {
  readonly kind: EventBus['kind'];
  callMs: number[] = [];

  constructor(private readonly inner: EventBus) {
    this.kind = inner.kind;
  }

  ensureTopics(topics: readonly string[]): Promise<void> {
    return this.inner.ensureTopics(topics);
  }

  async publish(messages: readonly BusMessage[]): Promise<void> {
    const started = performance.now();
    await this.inner.publish(messages);
    this.callMs.push(performance.now() - started);
  }

  subscribe(...args: Parameters<EventBus['subscribe']>): ReturnType<EventBus['subscribe']> {
    return this.inner.subscribe(...args);
  }

  read(topic: string, limit: number): ReturnType<EventBus['read']> {
    return this.inner.read(topic, limit);
  }

  isReachable(): Promise<boolean> {
    return this.inner.isReachable();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Mean bytes of the envelopes the outbox holds, to check they match the producer paths'. */
export interface OutboxPaths {
  readonly paths: readonly PathUnderTest[];
  envelopeBytes(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The transactional-outbox paths, with DashboardDefined events written into the outbox in one
 * transaction per batch (as a service's unit of work does) and the relay publishing them through
 * KafkaEventBus in calls of batchSize, like the producer paths:
 * - relay alone: the rows are committed first, outside the clock, then drained (what the relay
 *   adds over a producer);
 * - end to end: the relay runs (woken by NOTIFY) while the writes go on; the clock stops when it
 *   has published all N.
 */
export async function openOutboxPaths(context: BenchContext): Promise<OutboxPaths> {
  const schema = 'bench_outbox';
  const dataSource = await openDataSource({
    url: context.databaseUrl,
    schema,
    entities: [],
    migrations: [],
  });
  const kafkaBus = new KafkaEventBus({
    brokers: context.kafkaBrokers.split(','),
    clientId: 'bench-outbox',
  });
  const bus = new TimedBus(kafkaBus);
  await bus.ensureTopics([topicFor('DashboardDefined')]);
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
  const drainOnly = async (events: number): Promise<RoundResult> => {
    await write(events);
    bus.callMs = [];
    const before = sampleCpu();
    const started = performance.now();
    const sent = await relay.drain();
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuBetween(before, sampleCpu());
    if (sent !== events) throw new Error(`relay drained ${sent} rows, expected ${events}`);
    return { seconds, callMs: bus.callMs, cpu };
  };
  // The writes alone (what end to end cannot beat); the rows are then marked sent off the clock.
  const writeOnly = async (events: number): Promise<RoundResult> => {
    const before = sampleCpu();
    const started = performance.now();
    await write(events);
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuBetween(before, sampleCpu());
    await dataSource.query(`UPDATE "${schema}".outbox SET sent_at = now() WHERE sent_at IS NULL`);
    return { seconds, callMs: [], cpu };
  };
  const endToEnd = async (events: number): Promise<RoundResult> => {
    relay.start();
    try {
      const target = relay.publishedCount + events;
      bus.callMs = [];
      const before = sampleCpu();
      const started = performance.now();
      await write(events);
      while (relay.publishedCount < target) await new Promise((resolve) => setTimeout(resolve, 1));
      const seconds = (performance.now() - started) / 1000;
      return { seconds, callMs: bus.callMs, cpu: cpuBetween(before, sampleCpu()) };
    } finally {
      await relay.stop();
    }
  };
  return {
    paths: [
      {
        path: 'outbox relay -> Kafka (rows committed)',
        warmUp: async () => {
          await drainOnly(WARMUP_BATCHES * context.batchSize);
        },
        round: () => drainOnly(context.events),
        close: () => Promise.resolve(),
      },
      {
        path: 'outbox write only (UnitOfWork, 1 tx per call)',
        warmUp: async () => {
          await writeOnly(WARMUP_BATCHES * context.batchSize);
        },
        round: () => writeOnly(context.events),
        close: () => Promise.resolve(),
      },
      {
        path: 'outbox write + relay -> Kafka (end to end)',
        warmUp: async () => {
          await endToEnd(WARMUP_BATCHES * context.batchSize);
        },
        round: () => endToEnd(context.events),
        close: () => Promise.resolve(),
      },
    ],
    envelopeBytes: async () => {
      const rows = await dataSource.query<{ bytes: number }[]>(
        `SELECT avg(length(envelope))::int AS bytes FROM "${schema}".outbox`,
      );
      return rows[0]?.bytes ?? Number.NaN;
    },
    close: async () => {
      await relay.stop();
      await bus.close();
      await dataSource.destroy();
    },
  };
}

/** A DashboardDefined event whose envelope is about ENVELOPE_BYTES, like the producer paths'. */
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
      name: `bench ${'x'.repeat(DASHBOARD_NAME_PADDING)}`,
      scope: { projectId: 'bench', moduleId: null },
      panelCount: 1,
      version: 1,
    },
  };
}

const DASHBOARD_NAME_PADDING = 89;

/** Rows with the baseline first and every other path's ratio to it, and which targets hold. */
function printTable(results: readonly PathResult[]): void {
  const baseline = results[0];
  const rate = (r: PathResult): number => r.events / r.seconds;
  const rows = results.map((r) => {
    const ratio = baseline ? rate(r) / rate(baseline) : Number.NaN;
    const target = TARGETS[r.path];
    return [
      r.path,
      String(r.events),
      r.seconds.toFixed(2),
      Math.round(rate(r)).toLocaleString('en-US'),
      `${Math.round(r.minRate).toLocaleString('en-US')}-${Math.round(r.maxRate).toLocaleString('en-US')}`,
      Number.isNaN(r.callP99Ms) ? '-' : r.callP99Ms.toFixed(1),
      `${ratio.toFixed(2)}x`,
      target === undefined
        ? r === baseline
          ? 'baseline'
          : ''
        : `>= ${target.toFixed(1)}x ${ratio >= target ? 'met' : 'MISSED'}`,
      r.cpu,
    ];
  });
  const header = [
    'path',
    'events',
    'seconds',
    'events/s',
    'min-max events/s',
    'p99 call ms',
    'vs bare',
    'target',
    'CPU ms/1k ev: main/pg/kafka',
  ];
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

const TARGETS: Readonly<Record<string, number>> = {
  'outbox relay -> Kafka (rows committed)': 0.7,
  'outbox write + relay -> Kafka (end to end)': 0.6,
};

/** BENCH_ONLY=relay,end: only the paths whose name contains one of these (and the baseline). */
const only = (process.env.BENCH_ONLY ?? '').split(',').filter((o) => o.length > 0);

async function main(): Promise<void> {
  const postgres = await startPostgres();
  const kafka = await startKafka();
  try {
    const context: BenchContext = {
      kafkaBrokers: kafka.brokers,
      databaseUrl: postgres.url,
      events: positiveInt('BENCH_N', 20_000),
      batchSize: positiveInt('BENCH_BATCH', 100),
      rounds: positiveInt('BENCH_ROUNDS', 5),
    };
    const run = randomUUID().slice(0, 8);
    const topics = { bare: `bench.bare.${run}`, bus: `bench.bus.${run}` };
    const admin = new KafkaEventBus({ brokers: kafka.brokers.split(','), clientId: 'bench-admin' });
    await admin.ensureTopics(Object.values(topics));
    await admin.close();

    const outbox = await openOutboxPaths(context);
    const opened = [
      await openBareKafka(context, topics.bare),
      openKafkaBus(context, topics.bus),
      await openPostgresBus(context, `bench.pg.${run}`),
      ...outbox.paths,
    ];
    const paths = opened.filter(
      (p, i) => i === 0 || only.length === 0 || only.some((o) => p.path.includes(o)),
    );
    let results: PathResult[];
    try {
      results = await measure(paths, context);
      console.log(
        `\npublishing ${context.events} events of ~${ENVELOPE_BYTES} B (outbox envelopes ` +
          `${await outbox.envelopeBytes()} B) in calls of ${context.batchSize} (acks=all, ` +
          `idempotent, 3 partitions); median of ${context.rounds} interleaved rounds, ` +
          'min-max over the rounds, p99 of one publish call; CPU per 1,000 events of this\n' +
          "process's main thread, PostgreSQL and Kafka (median of the rounds)\n",
      );
    } finally {
      await Promise.all(opened.map((p) => p.close()));
      await outbox.close();
    }
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
