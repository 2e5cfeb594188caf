import { describe, expect, it } from 'vitest';
import { DEFAULT_APP_INSIGHTS_QUERY_ENDPOINT, traceConfigFrom } from './config.js';

describe('traceConfigFrom', () => {
  it('reads spans from Postgres unless Application Insights is asked for', () => {
    expect(traceConfigFrom({}).appInsights).toBeUndefined();
    expect(
      traceConfigFrom({ TRACE_APP_INSIGHTS_WORKSPACE_ID: 'ws-1' }).appInsights,
    ).toBeUndefined();
  });

  it('selects the Application Insights reader with its workspace, endpoint and look-back', () => {
    expect(
      traceConfigFrom({
        TRACE_SPAN_READER: 'app-insights',
        TRACE_APP_INSIGHTS_WORKSPACE_ID: 'ws-1',
      }).appInsights,
    ).toEqual({
      workspaceId: 'ws-1',
      endpoint: DEFAULT_APP_INSIGHTS_QUERY_ENDPOINT,
      lookbackDays: 30,
    });
    expect(
      traceConfigFrom({
        TRACE_SPAN_READER: 'app-insights',
        TRACE_APP_INSIGHTS_WORKSPACE_ID: 'ws-1',
        TRACE_APP_INSIGHTS_ENDPOINT: 'https://api.loganalytics.azure.cn/v1',
        TRACE_APP_INSIGHTS_LOOKBACK_DAYS: '7',
      }).appInsights,
    ).toEqual({
      workspaceId: 'ws-1',
      endpoint: 'https://api.loganalytics.azure.cn/v1',
      lookbackDays: 7,
    });
  });

  it('refuses to start when a setting is wrong, naming it', () => {
    expect(() => traceConfigFrom({ TRACE_SPAN_READER: 'app-insights' })).toThrow(
      /TRACE_SPAN_READER=app-insights needs TRACE_APP_INSIGHTS_WORKSPACE_ID/,
    );
    expect(() => traceConfigFrom({ TRACE_SPAN_READER: 'tempo' })).toThrow(/TRACE_SPAN_READER/);
    expect(() => traceConfigFrom({ TRACE_IDLE_MS: '-1' })).toThrow(/TRACE_IDLE_MS/);
  });
});
