import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningService } from '@obs/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingester, reader, startMetricService, uniqueTenant } from '../../test/metric-test-kit.js';
import { promtool, remoteWrite, remoteWriteBody } from '../../test/prometheus-peer.js';

/*
 * The real promtool (Prometheus 3.16's, from the platform's Go peers) against the platform's
 * /prometheus API over HTTP, its bearer token in an --http.config.file as an ops team would
 * configure it: `query instant|range|labels|series` each exit 0 and print JSON (`-o json`) that
 * parses into what was written. promtool POSTs queries form-encoded, as Grafana does.
 */

const tenant = uniqueTenant('promtool');
const END = Math.floor((Date.now() - 60_000) / 1000) * 1000;
const START = END - 10 * 60_000;
const DIMENSIONS = {
  project_id: 'checkout',
  module_id: 'payments',
  artifact_id: 'payments-api',
  execution_id: 'exec-1',
  agent_id: 'none',
  service_name: 'payments-api',
  service_version: '1.0.0',
  deployment_environment_name: 'production',
  cloud_region: 'westeurope',
  telemetry_origin: 'generated-saas',
};

let service: RunningService;
let server: string;
let dir: string;
let httpConfig: string;

const every15s = (f: (i: number) => number): [number, number][] =>
  Array.from({ length: 41 }, (_, i) => [START + i * 15_000, f(i)]);

beforeAll(async () => {
  service = await startMetricService();
  server = `${await service.listen(0)}/prometheus`;
  dir = await mkdtemp(join(tmpdir(), 'promtool-'));
  httpConfig = join(dir, 'http.yml');
  const token = reader(tenant).authorization.replace(/^Bearer /, '');
  await writeFile(httpConfig, `authorization:\n  type: Bearer\n  credentials: ${token}\n`);
  const body = remoteWriteBody([
    {
      labels: { __name__: 'tool_requests_total', job: 'api', code: '200', ...DIMENSIONS },
      samples: every15s((i) => 10 * i),
    },
    {
      labels: { __name__: 'tool_requests_total', job: 'api', code: '500', ...DIMENSIONS },
      samples: every15s((i) => i),
    },
    {
      labels: { __name__: 'tool_queue_depth', job: 'worker', ...DIMENSIONS },
      samples: every15s((i) => i % 7),
    },
  ]);
  await remoteWrite(`${server}/api/v1/write`, body, ingester(tenant).authorization);
}, 180_000);

afterAll(async () => {
  await service?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const flags = () => ['-o', 'json', `--http.config.file=${httpConfig}`];
const seconds = (ms: number) => String(ms / 1000);

async function json<T>(args: readonly string[]): Promise<T> {
  const { stdout } = await promtool(args);
  return JSON.parse(stdout) as T;
}

describe('promtool query against the platform', () => {
  it('query instant: the vector, labels and value as written', async () => {
    const vector = await json<{ metric: Record<string, string>; value: [number, string] }[]>([
      'query',
      'instant',
      ...flags(),
      `--time=${seconds(END)}`,
      server,
      'sum by (code) (tool_requests_total)',
    ]);
    expect(vector.sort((a, b) => (a.metric.code ?? '').localeCompare(b.metric.code ?? ''))).toEqual(
      [
        { metric: { code: '200' }, value: [END / 1000, '400'] },
        { metric: { code: '500' }, value: [END / 1000, '40'] },
      ],
    );
  });

  it('query range: one series, a point per step', async () => {
    const matrix = await json<{ metric: Record<string, string>; values: [number, string][] }[]>([
      'query',
      'range',
      ...flags(),
      `--start=${seconds(START + 3 * 60_000)}`,
      `--end=${seconds(END)}`,
      '--step=1m',
      server,
      'rate(tool_requests_total{code="200"}[2m])',
    ]);
    expect(matrix).toHaveLength(1);
    expect(matrix[0]?.metric).toMatchObject({ job: 'api', code: '200', project_id: 'checkout' });
    expect(matrix[0]?.metric.__name__).toBeUndefined();
    expect(matrix[0]?.values).toHaveLength(8);
    // 10 per 15 s: every step's range lies inside the samples (no zero-point bound), no reset.
    for (const [, value] of matrix[0]?.values ?? []) expect(Number(value)).toBeCloseTo(10 / 15, 9);
  });

  it('query labels: the values of a label, sorted', async () => {
    const values = await json<string[]>([
      'query',
      'labels',
      ...flags(),
      `--start=${seconds(START)}`,
      `--end=${seconds(END)}`,
      server,
      'job',
    ]);
    expect(values).toEqual(['api', 'worker']);
    const names = await json<string[]>(['query', 'labels', ...flags(), server, '__name__']);
    expect(names).toEqual(['tool_queue_depth', 'tool_requests_total']);
  });

  it('query series: the label sets a matcher selects', async () => {
    const series = await json<Record<string, string>[]>([
      'query',
      'series',
      ...flags(),
      '--match=tool_requests_total',
      '--match={job="worker"}',
      `--start=${seconds(START)}`,
      `--end=${seconds(END)}`,
      server,
    ]);
    expect(series.map((s) => `${s.__name__}/${s.code ?? '-'}`).sort()).toEqual([
      'tool_queue_depth/-',
      'tool_requests_total/200',
      'tool_requests_total/500',
    ]);
    expect(series[0]).toMatchObject(DIMENSIONS);
  });

  it('fails without the token, as a client of a protected Prometheus would', async () => {
    await expect(promtool(['query', 'instant', '-o', 'json', server, 'up'])).rejects.toThrow(
      /401|Unauthorized|unauthorized/,
    );
  });
});
