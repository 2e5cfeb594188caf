import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_AFTER_SECONDS,
  DEFAULT_UPSTREAM_TIMEOUT_MS,
  dashboardConfigFrom,
} from './config.js';

describe('dashboardConfigFrom', () => {
  it("defaults to the owning services' default ports on this host", () => {
    expect(dashboardConfigFrom({})).toEqual({
      metricServiceUrl: 'http://127.0.0.1:4103',
      sloServiceUrl: 'http://127.0.0.1:4110',
      upstreamTimeoutMs: DEFAULT_UPSTREAM_TIMEOUT_MS,
      retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS,
      grafanaDatasourceUrl: 'http://127.0.0.1:4103/prometheus',
    });
  });

  it('reads <NAME>_URL and its own settings, an empty URL meaning unset', () => {
    expect(
      dashboardConfigFrom({
        METRIC_AGGREGATION_SERVICE_URL: 'https://metrics.internal:8443/',
        SLO_SERVICE_URL: '',
        DASHBOARD_UPSTREAM_TIMEOUT_MS: '500',
        DASHBOARD_RETRY_AFTER_SECONDS: '30',
      }),
    ).toEqual({
      metricServiceUrl: 'https://metrics.internal:8443',
      sloServiceUrl: 'http://127.0.0.1:4110',
      upstreamTimeoutMs: 500,
      retryAfterSeconds: 30,
      grafanaDatasourceUrl: 'https://metrics.internal:8443/prometheus',
    });
  });

  it('takes the URL Grafana reaches the Prometheus API at from GRAFANA_DATASOURCE_URL', () => {
    expect(
      dashboardConfigFrom({ GRAFANA_DATASOURCE_URL: 'https://obs.example.com/prometheus/' })
        .grafanaDatasourceUrl,
    ).toBe('https://obs.example.com/prometheus');
  });

  it.each([
    [{ METRIC_AGGREGATION_SERVICE_URL: 'metrics:4103' }, 'METRIC_AGGREGATION_SERVICE_URL'],
    [{ SLO_SERVICE_URL: 'ftp://slo' }, 'SLO_SERVICE_URL'],
    [{ GRAFANA_DATASOURCE_URL: 'grafana.local' }, 'GRAFANA_DATASOURCE_URL'],
    [{ DASHBOARD_UPSTREAM_TIMEOUT_MS: '0' }, 'DASHBOARD_UPSTREAM_TIMEOUT_MS'],
    [{ DASHBOARD_RETRY_AFTER_SECONDS: 'soon' }, 'DASHBOARD_RETRY_AFTER_SECONDS'],
  ])('refuses %j, naming the variable', (env, variable) => {
    expect(() => dashboardConfigFrom(env)).toThrow(variable);
  });
});
