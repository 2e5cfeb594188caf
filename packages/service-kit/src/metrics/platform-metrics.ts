import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
} from 'prom-client';
import type { ConsumerRunner } from '../consumers/consumer-runner.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { OutboxRelay } from '../outbox/outbox-relay.js';
import type { OtlpSignal } from '../otlp/otlp-schema.js';

/** The outbox's unsent rows as the store reports them at scrape time. */
export interface OutboxBacklog {
  readonly rows: number;
  /** Age of the oldest unsent row, seconds (0 when none). */
  readonly oldestAgeSeconds: number;
}

/** A pg pool's counters (typeorm's postgres driver keeps a `pg.Pool`). */
export interface PoolCounters {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

/** What the kit's running parts expose, read at scrape time (nothing is counted twice). */
export interface MetricSources {
  readonly outboxBacklog: () => Promise<OutboxBacklog>;
  readonly relay: () => Pick<OutboxRelay, 'publishedCount' | 'failureCount'>;
  readonly consumers: () => readonly ConsumerRunner[];
  readonly jobs: () => Iterable<JobRunner>;
  readonly pool: () => PoolCounters | undefined;
}

/** A route label for requests no route matched: one value, so a scanner cannot grow the series. */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * Seconds; Prometheus client defaults stretched to 30 s, the longest a PromQL query may take
 * (PROMQL_TIMEOUT_MS), so slow reads land in a bucket rather than +Inf.
 */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * prom-client's process metrics (CPU, memory, event-loop lag, GC), once per process: they describe
 * the process, which several services may share (`pnpm start`, tests), and each collector keeps
 * observers alive for the process's life, so one per built service would pile up.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** A counter whose value is read from a running part at scrape time (a monotonic count). */
function readCounter<L extends string>(
  config: Omit<CounterConfiguration<L>, 'collect'>,
  read: () => Iterable<[Partial<Record<L, string>>, number]>,
): Counter<L> {
  return new Counter<L>({
    ...config,
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}

/**
 * The platform's own telemetry, one registry per service (several services may share a process,
 * as under `pnpm start`), served on `GET /metrics` of the metrics port in the Prometheus text
 * format (docs/operations.md#metrics). Request and ingest counts are observed as they happen;
 * the outbox, relay, consumers, jobs and the connection pool are read when Prometheus scrapes.
 */
export class PlatformMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status_code'>;
  private readonly durations: Histogram<'method' | 'route' | 'status_code'>;
  private readonly ingested: Counter<'signal' | 'outcome'>;
  private sources: MetricSources | undefined;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    const register = [this.registry];
    this.requests = new Counter({
      name: 'http_server_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      registers: register,
    });
    this.durations = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: DURATION_BUCKETS,
      registers: register,
    });
    this.ingested = new Counter({
      name: 'ingest_items_total',
      help: 'Telemetry items received over OTLP (spans, data points, log records), by signal and outcome (accepted, rejected)',
      labelNames: ['signal', 'outcome'],
      registers: register,
    });
    const sources = () => this.sources;
    new Gauge({
      name: 'outbox_unsent_events',
      help: 'Rows of the transactional outbox not yet acknowledged by the broker',
      registers: register,
      async collect() {
        const backlog = await sources()?.outboxBacklog();
        if (backlog) this.set(backlog.rows);
      },
    });
    new Gauge({
      name: 'outbox_oldest_unsent_age_seconds',
      help: 'Age of the oldest outbox row not yet acknowledged by the broker (0 when none)',
      registers: register,
      async collect() {
        const backlog = await sources()?.outboxBacklog();
        if (backlog) this.set(backlog.oldestAgeSeconds);
      },
    });
    const relay = () => sources()?.relay();
    readCounter(
      {
        name: 'outbox_relay_published_events_total',
        help: 'Outbox rows the relay published and marked sent',
        registers: register,
      },
      () => {
        const r = relay();
        return r ? [[{}, r.publishedCount]] : [];
      },
    );
    readCounter(
      {
        name: 'outbox_relay_failures_total',
        help: 'Relay passes that failed (broker or database unavailable) and were retried',
        registers: register,
      },
      () => {
        const r = relay();
        return r ? [[{}, r.failureCount]] : [];
      },
    );
    readCounter<'consumer' | 'outcome'>(
      {
        name: 'consumer_events_total',
        help: 'Events a consumer group received, by outcome: applied, duplicate (inbox), skipped (type or version not handled), retried (a transient failure), dead_lettered',
        labelNames: ['consumer', 'outcome'],
        registers: register,
      },
      () =>
        (sources()?.consumers() ?? []).flatMap((runner) => {
          const s = runner.stats;
          const consumer = runner.groupId;
          return [
            [{ consumer, outcome: 'applied' }, s.applied],
            [{ consumer, outcome: 'duplicate' }, s.duplicates],
            [{ consumer, outcome: 'skipped' }, s.skipped],
            [{ consumer, outcome: 'retried' }, s.retried],
            [{ consumer, outcome: 'dead_lettered' }, s.deadLettered],
          ] as [Record<'consumer' | 'outcome', string>, number][];
        }),
    );
    // `job_name`, not `job`: Prometheus' own target label is `job` (a scraped one is renamed).
    const jobs = () => [...(sources()?.jobs() ?? [])];
    readCounter<'job_name'>(
      {
        name: 'job_runs_total',
        help: 'Runs of a background job (successful or not)',
        labelNames: ['job_name'],
        registers: register,
      },
      () => jobs().map((j) => [{ job_name: j.job.name }, j.counters().runs]),
    );
    readCounter<'job_name'>(
      {
        name: 'job_failures_total',
        help: 'Runs of a background job that failed',
        labelNames: ['job_name'],
        registers: register,
      },
      () => jobs().map((j) => [{ job_name: j.job.name }, j.counters().failures]),
    );
    new Gauge<'job_name'>({
      name: 'job_last_success_timestamp_seconds',
      help: 'End of the last successful run of a background job, Unix seconds (absent before one)',
      labelNames: ['job_name'],
      registers: register,
      collect() {
        this.reset();
        for (const j of jobs()) {
          const at = j.counters().lastSuccessMs;
          if (at !== null) this.set({ job_name: j.job.name }, at / 1000);
        }
      },
    });
    new Gauge<'state'>({
      name: 'db_pool_connections',
      help: "Connections of the service's PostgreSQL pool, by state (in_use, idle)",
      labelNames: ['state'],
      registers: register,
      collect() {
        const pool = sources()?.pool();
        if (!pool) return;
        this.set({ state: 'in_use' }, pool.total - pool.idle);
        this.set({ state: 'idle' }, pool.idle);
      },
    });
    new Gauge({
      name: 'db_pool_waiting_requests',
      help: "Queries waiting for a connection of the service's PostgreSQL pool",
      registers: register,
      collect() {
        const pool = sources()?.pool();
        if (pool) this.set(pool.waiting);
      },
    });
  }

  /** Connects the scrape-time metrics to the service's running parts (once they exist). */
  watch(sources: MetricSources): void {
    this.sources = sources;
  }

  /** One answered request; `route` is the route's pattern (`/v1/incidents/:id`), never the URL. */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    const labels = { method, route, status_code: String(statusCode) };
    this.requests.inc(labels);
    this.durations.observe(labels, seconds);
  }

  /** Items of one OTLP request: those stored and those refused (partialSuccess). */
  countIngest(signal: OtlpSignal, accepted: number, rejected: number): void {
    if (accepted > 0) this.ingested.inc({ signal, outcome: 'accepted' }, accepted);
    if (rejected > 0) this.ingested.inc({ signal, outcome: 'rejected' }, rejected);
  }

  /** The exposition text (the service's series, then the process's) and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    const [own, process] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return { contentType: this.registry.contentType, body: `${own}\n${process}` };
  }
}

/**
 * `pnpm start` serves each service's `/metrics` on its API port + this (4101 → 9101 … 4111 →
 * 9111): fixed, so a Prometheus scrape configuration can name them (docs/operations.md#metrics).
 */
export const METRICS_PORT_OFFSET = 5000;
