import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { widgetFixtureService } from '../../test/widget-fixture.service.js';
import type { RunningService } from '../build-service.js';
import { bearer, startTestService } from '../testing/index.js';

/**
 * `GET /metrics` of a real service (PostgreSQL, the PostgreSQL event-log bus, its relay, consumer
 * and jobs) on its own port, as Prometheus scrapes it.
 */

let service: RunningService;
let apiUrl: string;
let metricsUrl: string;

beforeAll(async () => {
  service = await startTestService(widgetFixtureService, {
    kafka: false,
    runJobs: false,
    env: { METRICS_PORT: '0' },
  });
  apiUrl = await service.listen(0);
  metricsUrl = await service.listenMetrics();
});
afterAll(async () => {
  await service.close();
});

const scrape = async (): Promise<string> => {
  const res = await fetch(`${metricsUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
};

/** The value of the sample whose line starts with `prefix` (name and the first labels). */
const valueOf = (text: string, prefix: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('GET /metrics on METRICS_PORT', () => {
  it('listens on its own port, not the API port, and needs no token', async () => {
    expect(metricsUrl).not.toBe(apiUrl);
    expect((await fetch(`${apiUrl}/metrics`)).status).not.toBe(200);
    expect((await fetch(`${metricsUrl}/v1/widgets`)).status).toBe(404);
    expect(await scrape()).toContain('# TYPE http_server_requests_total counter');
  });

  it('counts requests by route pattern, never by raw URL', async () => {
    const created = await fetch(`${apiUrl}/v1/widgets`, {
      method: 'POST',
      headers: {
        ...bearer('metrics-tenant', ['read', 'write']),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ name: `m-${Date.now()}`, panelCount: 1 }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await fetch(`${apiUrl}/v1/widgets/${id}`, { headers: bearer('metrics-tenant', ['read']) });
    await fetch(`${apiUrl}/no/such/route/${id}`);
    const text = await scrape();
    expect(
      valueOf(
        text,
        'http_server_requests_total{method="POST",route="/v1/widgets",status_code="201",service="kit-fixture-service"}',
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(text).toContain('route="/v1/widgets/:id",status_code="200"');
    expect(text).toContain('route="(unmatched)",status_code="404"');
    expect(text).not.toContain(id);
    expect(text).toMatch(/http_server_request_duration_seconds_count\{[^}]*route="\/v1\/widgets"/);
  });

  it('shows the outbox, relay, consumer, jobs and connection pool', async () => {
    // The widget's event goes out through the relay and comes back to the fixture's consumer.
    await expect
      .poll(
        async () => {
          const text = await scrape();
          const published = valueOf(text, 'outbox_relay_published_events_total{') ?? 0;
          const applied =
            valueOf(text, 'consumer_events_total{consumer="kit-fixture-service.') ?? 0;
          return published >= 1 && applied >= 1;
        },
        { timeout: 60_000, interval: 250 },
      )
      .toBe(true);
    await service.jobs.get('retention')?.runOnce();
    const text = await scrape();
    expect(valueOf(text, 'outbox_relay_published_events_total{')).toBeGreaterThanOrEqual(1);
    expect(valueOf(text, 'outbox_unsent_events{')).toBeGreaterThanOrEqual(0);
    expect(valueOf(text, 'outbox_oldest_unsent_age_seconds{')).toBeGreaterThanOrEqual(0);
    expect(valueOf(text, 'outbox_relay_failures_total{')).toBe(0);
    expect(valueOf(text, 'job_runs_total{job_name="retention"')).toBe(1);
    expect(valueOf(text, 'job_failures_total{job_name="retention"')).toBe(0);
    expect(
      valueOf(text, 'job_last_success_timestamp_seconds{job_name="retention"'),
    ).toBeGreaterThan(Date.now() / 1000 - 600);
    expect(valueOf(text, 'db_pool_connections{state="idle"')).toBeGreaterThanOrEqual(0);
    expect(valueOf(text, 'db_pool_waiting_requests{')).toBeGreaterThanOrEqual(0);
  });
});
