import { describe, expect, it } from 'vitest';
import { promLabelName, promLabels, promSeriesNames, unitSuffix } from './names.js';
import { formatValue } from './format.js';

describe('OpenTelemetry → Prometheus names', () => {
  it.each([
    ['http.server.request.duration', 's', 'gauge', 'http_server_request_duration_seconds'],
    ['http.server.requests', '{request}', 'counter', 'http_server_requests_total'],
    ['latency', 'ms', 'gauge', 'latency_milliseconds'],
    ['queue.fill', '1', 'gauge', 'queue_fill_ratio'],
    ['network.io', 'By/s', 'gauge', 'network_io_bytes_per_second'],
    ['jobs_total', 's', 'counter', 'jobs_seconds_total'],
    ['2xx.count', '', 'counter', '_2xx_count_total'],
    ['cpu.time_seconds', 's', 'counter', 'cpu_time_seconds_total'],
  ] as const)('%s in %s as a %s is %s', (name, unit, type, expected) => {
    expect(promSeriesNames(name, unit, type)[0]?.name).toBe(expected);
  });

  it('units the table does not know are sanitized words', () => {
    expect(unitSuffix('widgets/min')).toBe('widgets_per_min');
    expect(unitSuffix('{packets}/s')).toBe('per_second');
  });

  it('dimensions and attributes become labels; attributes that collide join with ;', () => {
    expect(promLabelName('http.route')).toBe('http_route');
    expect(promLabelName('2xx')).toBe('key_2xx');
    expect(promLabelName('_private')).toBe('key_private');
    expect(
      promLabels(
        { projectId: 'p1', service: 'checkout', environment: 'prod', region: 'eu' },
        { 'a.b': '1', a_b: '2', 'service.name': 'attr-loses', empty: '' },
      ),
    ).toEqual({
      a_b: '1;2',
      project_id: 'p1',
      service_name: 'checkout',
      deployment_environment_name: 'prod',
      cloud_region: 'eu',
    });
  });

  it('an attribute named like an Object.prototype member is a label like any other', () => {
    const labels = promLabels({}, { constructor: 'c', toString: 't' });
    expect(labels).toEqual({ constructor: 'c', toString: 't' });
  });
});

describe('sample values as Prometheus writes them', () => {
  it.each([
    [1, '1'],
    [0.1, '0.1'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [-2.5e22, '-25000000000000000000000'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('%s → %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });
});
