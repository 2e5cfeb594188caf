import { findFreePort, type GoPeer } from '@obs/local-infra';
import type { RunningService } from '@obs/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingester, reader, startMetricService, uniqueTenant } from '../../test/metric-test-kit.js';
import { startPrometheus } from '../../test/prometheus-peer.js';

/*
 * The real Prometheus 3.16 as a sender, configured as an ops team would: it scrapes itself every
 * second and remote-writes to the platform, the ten dimensions as external_labels and the bearer
 * token in `authorization`. Its own remote-write client (snappy, protobuf, metadata, retries) must
 * get its series in: the platform then answers them under the same names and labels (plus the
 * external labels, which Prometheus adds only on the way out), with the values Prometheus has.
 */

const tenant = uniqueTenant('prom-sender');
const EXTERNAL = {
  project_id: 'checkout',
  module_id: 'payments',
  artifact_id: 'payments-api',
  execution_id: 'exec-1',
  agent_id: 'none',
  service_name: 'prometheus',
  service_version: '3.16.0',
  deployment_environment_name: 'production',
  cloud_region: 'westeurope',
  telemetry_origin: 'generated-saas',
};

let service: RunningService;
let prometheus: GoPeer;

interface Vector {
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

async function platform<T>(path: string, params: Record<string, string>): Promise<T> {
  const res = await service.app.inject({
    method: 'GET',
    url: `/prometheus/api/v1/${path}?${new URLSearchParams(params).toString()}`,
    headers: reader(tenant),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T>();
}

async function onPrometheus<T>(path: string, params: Record<string, string>): Promise<T> {
  const res = await fetch(
    `${prometheus.url}/api/v1/${path}?${new URLSearchParams(params).toString()}`,
  );
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** Polls until `check` holds (the sender batches and retries on its own schedule). */
async function eventually<T>(what: string, read: () => Promise<T>, check: (v: T) => boolean) {
  const deadline = Date.now() + 90_000;
  let last: T = await read();
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: last ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    last = await read();
  }
  return last;
}

beforeAll(async () => {
  service = await startMetricService();
  const url = await service.listen(0);
  const token = ingester(tenant).authorization.replace(/^Bearer /, '');
  const port = await findFreePort();
  const labels = Object.entries(EXTERNAL)
    .map(([k, v]) => `    ${k}: ${v}\n`)
    .join('');
  prometheus = await startPrometheus({
    port,
    config: `global:
  scrape_interval: 1s
  external_labels:
${labels}scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:${port}']
remote_write:
  - url: ${url}/prometheus/api/v1/write
    authorization:
      type: Bearer
      credentials: ${token}
    queue_config:
      batch_send_deadline: 1s
`,
  });
}, 300_000);

afterAll(async () => {
  await prometheus?.stop();
  await service?.close();
});

describe('a real Prometheus remote-writing its own scrapes to the platform', () => {
  it('gets its series in, answered under the same names, labels and values', async () => {
    const up = await eventually(
      'up on the platform',
      () => platform<Vector>('query', { query: 'up{job="prometheus"}' }),
      (v) => v.data.result.length === 1,
    );
    expect(up.data.result[0]?.metric).toEqual({
      __name__: 'up',
      job: 'prometheus',
      instance: `127.0.0.1:${prometheus.port}`,
      ...EXTERNAL,
    });
    expect(up.data.result[0]?.value[1]).toBe('1');

    // A moment both hold whole (up has reached the platform by then): each value the platform
    // gives at it is the one Prometheus has.
    const at = String(Math.floor(Date.now() / 1000));
    const query = {
      query: 'prometheus_build_info or up or prometheus_sd_discovered_targets',
      time: at,
    };
    const theirs = await eventually(
      'the series on Prometheus',
      () => onPrometheus<Vector>('query', query),
      (v) => v.data.result.length >= 3,
    );
    // Label sets as sorted entries, so the comparison does not depend on key order.
    const withExternal = (result: Vector['data']['result']) =>
      result
        .map((s) => JSON.stringify([Object.entries({ ...s.metric, ...EXTERNAL }).sort(), s.value]))
        .sort();
    const mine = await eventually(
      'the same sample values on the platform',
      () => platform<Vector>('query', query),
      (v) =>
        JSON.stringify(withExternal(v.data.result)) ===
        JSON.stringify(withExternal(theirs.data.result)),
    );
    expect(mine.data.result.length).toBeGreaterThanOrEqual(3);

    // Counters, gauges and classic histograms all arrive, under Prometheus' names.
    const names = await eventually(
      'metric names on the platform',
      () => platform<{ data: string[] }>('label/__name__/values', {}),
      (v) =>
        [
          'prometheus_http_requests_total',
          'prometheus_http_request_duration_seconds_bucket',
          'go_goroutines',
        ].every((n) => v.data.includes(n)),
    );
    const known = await onPrometheus<{ data: string[] }>('label/__name__/values', {});
    expect(names.data.filter((n) => !known.data.includes(n))).toEqual([]);
    // No batch was refused: a 400 would show in the sender's own failure counter.
    const failed = await onPrometheus<Vector>('query', {
      query: 'sum(prometheus_remote_storage_samples_failed_total)',
    });
    expect(failed.data.result.map((s) => s.value[1])).toEqual(['0']);
  }, 400_000);
});
