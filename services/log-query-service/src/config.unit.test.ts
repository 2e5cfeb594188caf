import { describe, expect, it } from 'vitest';
import { logQueryConfigFrom } from './config.js';

describe('logQueryConfigFrom', () => {
  it('defaults to the Postgres store with no Log Analytics workspace', () => {
    expect(logQueryConfigFrom({})).toEqual({
      store: 'postgres',
      maxInFlightBatches: 8,
      retryAfterSeconds: 1,
      logAnalytics: undefined,
    });
  });

  it('reads the Log Analytics settings', () => {
    expect(
      logQueryConfigFrom({
        LOG_STORE: 'log-analytics',
        LOG_ANALYTICS_WORKSPACE_ID: 'b7a1c7a4-93f1-4f5e-9a2e-3c1c2a5f0e11',
        LOG_ANALYTICS_TIMEOUT_SECONDS: '20',
      }).logAnalytics,
    ).toEqual({
      workspaceId: 'b7a1c7a4-93f1-4f5e-9a2e-3c1c2a5f0e11',
      endpoint: 'https://api.loganalytics.io/v1',
      serverTimeoutSeconds: 20,
    });
  });

  it('refuses LOG_STORE=log-analytics without a workspace, and bad values, naming them', () => {
    expect(() => logQueryConfigFrom({ LOG_STORE: 'log-analytics' })).toThrow(
      /LOG_ANALYTICS_WORKSPACE_ID/,
    );
    expect(() => logQueryConfigFrom({ LOG_STORE: 'elastic' })).toThrow(/LOG_STORE/);
    expect(() => logQueryConfigFrom({ LOG_INGEST_MAX_IN_FLIGHT: '-1' })).toThrow(
      /LOG_INGEST_MAX_IN_FLIGHT/,
    );
  });
});
