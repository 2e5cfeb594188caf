import { startGoPeer, type GoPeer } from '@obs/local-infra';
import { incidentService as incidentDefinition } from '@obs/incident-service';
import { createMetricAggregationService, metricConfigFrom } from '@obs/metric-aggregation-service';
import type { RunningService } from '@obs/service-kit';
import { bearer, startTestService } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceAttributes } from './fixtures/otel-metrics-sdk.js';

/**
 * Issue #25: a real Prometheus (built from its Go module, cached) scrapes the platform's own
 * `/metrics` on each service's METRICS_PORT, and its `/api/v1/query` answers for the series an
 * operator watches: requests per route, ingest accepted/rejected, the outbox, jobs, the pool.
 */

const tenant = `e2e-self-metrics-${Date.now()}`;
let metricService: RunningService;
let incidentService: RunningService;
let metricApi: string;
let prometheus: GoPeer;

/** host:port of a metrics URL, as a scrape target. */
const target = (url: string) => new URL(url).host;

beforeAll(async () => {
  const env = { METRICS_PORT: '0', RATE_LIMIT_MAX: '100000' };
  metricService = await startTestService(
    createMetricAggregationService({ ...metricConfigFrom({}), closeIntervalMs: 0 }),
    { env, runJobs: false },
  );
  metricApi = await metricService.listen(0);
  incidentService = await startTestService(incidentDefinition, { env, runJobs: false });
  await incidentService.listen(0);
  const targets = [
    target(await metricService.listenMetrics()),
    target(await incidentService.listenMetrics()),
  ];
  prometheus = await startGoPeer('prometheus', {
    files: {
      'prometheus.yml': [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: obs-platform',
        '    static_configs:',
        `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`,
        '',
      ].join('\n'),
    },
    args: ({ port, dataDir }) => [
      `--config.file=${dataDir}/prometheus.yml`,
      `--storage.tsdb.path=${dataDir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    readyPath: '/-/ready',
    readyTimeoutMs: 120_000,
  });
}, 300_000);
afterAll(async () => {
  await prometheus?.stop();
  await incidentService?.close();
  await metricService?.close();
});

/** An OTLP/JSON gauge point; `complete` false leaves out the dimensions, so it is refused. */
function otlpGauge(complete: boolean) {
  const attributes = Object.entries(resourceAttributes(tenant))
    .filter(([key]) => complete || key === 'tenant.id')
    .map(([key, value]) => ({ key, value: { stringValue: value } }));
  return {
    resourceMetrics: [
      {
        resource: { attributes },
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'queue.depth',
                unit: '{item}',
                gauge: {
                  dataPoints: [
                    { timeUnixNano: `${Date.now() - 1_000}000000`, asDouble: 3 },
                    { timeUnixNano: `${Date.now()}000000`, asDouble: 4 },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

interface PromAnswer {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

async function promQuery(query: string): Promise<PromAnswer['data']['result']> {
  const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as PromAnswer;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.data.result;
}

/** The summed value of `query` once Prometheus has scraped it, polled (scrapes every second). */
async function eventually(query: string, atLeast: number): Promise<number> {
  let value = Number.NaN;
  let last: unknown;
  await expect
    .poll(
      async () => {
        const result = await promQuery(query);
        last = result;
        value = result.reduce((sum, r) => sum + Number(r.value[1]), 0);
        return result.length > 0 && value >= atLeast;
      },
      { timeout: 90_000, interval: 500 },
    )
    .toBe(true)
    .catch((error: unknown) => {
      throw new Error(`${query}: last answer ${JSON.stringify(last)}`, { cause: error });
    });
  return value;
}

describe("a real Prometheus scraping the platform's /metrics", () => {
  it('answers for requests, ingest, outbox, jobs and the pool of two services', async () => {
    const send = (complete: boolean) =>
      fetch(`${metricApi}/v1/metrics`, {
        method: 'POST',
        headers: { ...bearer(tenant, ['ingest']), 'content-type': 'application/json' },
        body: JSON.stringify(otlpGauge(complete)),
      });
    expect((await send(true)).status).toBe(200);
    expect((await send(false)).status).toBe(200); // partialSuccess: both points refused
    // Single-active across processes: another test's service may hold the lock for a moment.
    await expect
      .poll(() => metricService.jobs.get('retention')?.runOnce(), { timeout: 60_000 })
      .toBe(true);

    const service = 'service="metric-aggregation-service"';
    expect(
      await eventually(
        `http_server_requests_total{${service},route="/v1/metrics",status_code="200"}`,
        2,
      ),
    ).toBe(2);
    expect(
      await eventually(`ingest_items_total{${service},signal="metrics",outcome="accepted"}`, 2),
    ).toBe(2);
    expect(
      await eventually(`ingest_items_total{${service},signal="metrics",outcome="rejected"}`, 2),
    ).toBe(2);
    await eventually(`job_runs_total{${service},job_name="retention"}`, 1);
    await eventually(`outbox_unsent_events{${service}}`, 0);
    await eventually(`db_pool_connections{${service},state="idle"}`, 0);
    await eventually(
      `http_server_request_duration_seconds_count{${service},route="/v1/metrics"}`,
      2,
    );
    // Both services are scraped, each under its own service label.
    await eventually('count(count by (service) (outbox_oldest_unsent_age_seconds))', 2);
    const scraped = await promQuery(
      'count by (service) (up * 0 + on (instance) group_left (service) (outbox_unsent_events * 0 + 1))',
    );
    expect(scraped.map((r) => r.metric.service).sort()).toEqual([
      'incident-service',
      'metric-aggregation-service',
    ]);
  }, 300_000);
});
