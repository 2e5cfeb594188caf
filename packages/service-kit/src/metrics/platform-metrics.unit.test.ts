import { describe, expect, it } from 'vitest';
import type { ConsumerRunner } from '../consumers/consumer-runner.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { otlpItemCount } from '../otlp/otlp-items.js';
import { PlatformMetrics } from './platform-metrics.js';

/** The sample lines of one metric in the exposition text (`name{labels} value`). */
function samples(text: string, name: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

/** A consumer runner as the metrics read it: its group and counters. */
const consumer = (groupId: string, deadLettered: number) =>
  ({
    groupId,
    stats: { applied: 4, duplicates: 1, skipped: 2, retried: 0, deadLettered },
  }) as unknown as ConsumerRunner;

const job = (name: string, runs: number, failures: number, lastSuccessMs: number | null) =>
  ({ job: { name }, counters: () => ({ runs, failures, lastSuccessMs }) }) as unknown as JobRunner;

describe('PlatformMetrics', () => {
  it('counts requests by route pattern and status, with a duration histogram', async () => {
    const metrics = new PlatformMetrics('demo-service');
    metrics.observeRequest('GET', '/v1/things/:id', 200, 0.012);
    metrics.observeRequest('GET', '/v1/things/:id', 200, 0.3);
    metrics.observeRequest('POST', '/v1/things', 503, 2);
    const { body, contentType } = await metrics.exposition();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(samples(body, 'http_server_requests_total')).toEqual([
      'http_server_requests_total{method="GET",route="/v1/things/:id",status_code="200",service="demo-service"} 2',
      'http_server_requests_total{method="POST",route="/v1/things",status_code="503",service="demo-service"} 1',
    ]);
    expect(body).toContain(
      'http_server_request_duration_seconds_bucket{le="0.025",service="demo-service",method="GET",route="/v1/things/:id",status_code="200"} 1',
    );
    expect(body).toContain(
      'http_server_request_duration_seconds_count{service="demo-service",method="POST",route="/v1/things",status_code="503"} 1',
    );
  });

  it('counts ingested items per signal, accepted and rejected', async () => {
    const metrics = new PlatformMetrics('ingest-service');
    metrics.countIngest('traces', 10, 2);
    metrics.countIngest('traces', 5, 0);
    metrics.countIngest('logs', 0, 3);
    expect(samples((await metrics.exposition()).body, 'ingest_items_total')).toEqual([
      'ingest_items_total{signal="traces",outcome="accepted",service="ingest-service"} 15',
      'ingest_items_total{signal="traces",outcome="rejected",service="ingest-service"} 2',
      'ingest_items_total{signal="logs",outcome="rejected",service="ingest-service"} 3',
    ]);
  });

  it('reads the outbox, relay, consumers, jobs and pool when scraped', async () => {
    const metrics = new PlatformMetrics('s');
    let unsent = 3;
    metrics.watch({
      outboxBacklog: () => Promise.resolve({ rows: unsent, oldestAgeSeconds: 12.5 }),
      relay: () => ({ publishedCount: 40, failureCount: 2 }),
      consumers: () => [consumer('s.effects', 1)],
      jobs: () => [job('retention', 3, 1, 1_700_000_000_000), job('close', 0, 0, null)],
      pool: () => ({ total: 4, idle: 1, waiting: 2 }),
    });
    const text = (await metrics.exposition()).body;
    expect(samples(text, 'outbox_unsent_events')).toEqual(['outbox_unsent_events{service="s"} 3']);
    expect(samples(text, 'outbox_oldest_unsent_age_seconds')).toEqual([
      'outbox_oldest_unsent_age_seconds{service="s"} 12.5',
    ]);
    expect(samples(text, 'outbox_relay_published_events_total')).toEqual([
      'outbox_relay_published_events_total{service="s"} 40',
    ]);
    expect(samples(text, 'outbox_relay_failures_total')).toEqual([
      'outbox_relay_failures_total{service="s"} 2',
    ]);
    expect(samples(text, 'consumer_events_total')).toEqual([
      'consumer_events_total{consumer="s.effects",outcome="applied",service="s"} 4',
      'consumer_events_total{consumer="s.effects",outcome="duplicate",service="s"} 1',
      'consumer_events_total{consumer="s.effects",outcome="skipped",service="s"} 2',
      'consumer_events_total{consumer="s.effects",outcome="retried",service="s"} 0',
      'consumer_events_total{consumer="s.effects",outcome="dead_lettered",service="s"} 1',
    ]);
    expect(samples(text, 'job_runs_total')).toEqual([
      'job_runs_total{job_name="retention",service="s"} 3',
      'job_runs_total{job_name="close",service="s"} 0',
    ]);
    expect(samples(text, 'job_failures_total')).toContain(
      'job_failures_total{job_name="retention",service="s"} 1',
    );
    // No success yet: no sample, rather than a 1970 timestamp an alert would read as stale.
    expect(samples(text, 'job_last_success_timestamp_seconds')).toEqual([
      'job_last_success_timestamp_seconds{job_name="retention",service="s"} 1700000000',
    ]);
    expect(samples(text, 'db_pool_connections')).toEqual([
      'db_pool_connections{state="in_use",service="s"} 3',
      'db_pool_connections{state="idle",service="s"} 1',
    ]);
    expect(samples(text, 'db_pool_waiting_requests')).toEqual([
      'db_pool_waiting_requests{service="s"} 2',
    ]);
    // Read again at the next scrape, never accumulated.
    unsent = 0;
    expect(samples((await metrics.exposition()).body, 'outbox_unsent_events')).toEqual([
      'outbox_unsent_events{service="s"} 0',
    ]);
    expect(
      samples((await metrics.exposition()).body, 'outbox_relay_published_events_total'),
    ).toEqual(['outbox_relay_published_events_total{service="s"} 40']);
  });

  it('exposes the process metrics of prom-client', async () => {
    const text = (await new PlatformMetrics('p').exposition()).body;
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });
});

describe('otlpItemCount', () => {
  it('counts spans, metric data points of every type and log records', () => {
    expect(
      otlpItemCount('traces', {
        resourceSpans: [{ scopeSpans: [{ spans: [{}, {}] }, { spans: [{}] }] }, {}],
      }),
    ).toBe(3);
    expect(
      otlpItemCount('metrics', {
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  { gauge: { dataPoints: [{}, {}] } },
                  { sum: { dataPoints: [{}] } },
                  { histogram: { dataPoints: [{}] } },
                  { exponentialHistogram: { dataPoints: [{}] } },
                  { summary: { dataPoints: [{}, {}] } },
                ],
              },
            ],
          },
        ],
      }),
    ).toBe(7);
    expect(otlpItemCount('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: [{}] }] }] })).toBe(
      1,
    );
    expect(otlpItemCount('logs', {})).toBe(0);
  });
});
