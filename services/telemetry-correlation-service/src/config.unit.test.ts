import { describe, expect, it } from 'vitest';
import { DEFAULT_UPSTREAM_TIMEOUT_MS, correlationConfigFrom } from './config.js';

describe('correlationConfigFrom', () => {
  it('defaults every linked service to its port on this host', () => {
    const config = correlationConfigFrom({});
    expect(config.upstreams).toEqual({
      'trace-service': 'http://127.0.0.1:4101',
      'log-query-service': 'http://127.0.0.1:4102',
      'metric-aggregation-service': 'http://127.0.0.1:4103',
      'incident-service': 'http://127.0.0.1:4106',
      'feedback-service': 'http://127.0.0.1:4107',
      'cost-telemetry-service': 'http://127.0.0.1:4109',
    });
    expect(config.upstreamTimeoutMs).toBe(DEFAULT_UPSTREAM_TIMEOUT_MS);
  });

  it('reads <NAME>_URL and the timeout', () => {
    const config = correlationConfigFrom({
      INCIDENT_SERVICE_URL: 'http://incidents.internal:8080/',
      CORRELATION_UPSTREAM_TIMEOUT_MS: '500',
    });
    expect(config.upstreams['incident-service']).toBe('http://incidents.internal:8080');
    expect(config.upstreamTimeoutMs).toBe(500);
  });

  it('refuses a bad timeout at start, naming the variable', () => {
    expect(() => correlationConfigFrom({ CORRELATION_UPSTREAM_TIMEOUT_MS: '0' })).toThrow(
      /CORRELATION_UPSTREAM_TIMEOUT_MS/,
    );
  });
});
