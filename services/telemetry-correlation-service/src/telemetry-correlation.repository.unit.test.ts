import { TelemetryCorrelation } from '@obs/domain';
import { describe, expect, it } from 'vitest';
import { toCorrelationRow, toSnapshot } from './telemetry-correlation.repository.js';
import { viewOfSnapshot } from './telemetry-correlation.view.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const link = (kind: string, targetId: string, store: string, locator?: Record<string, string>) => ({
  kind,
  targetId,
  store,
  ...(locator ? { locator } : {}),
  tenantId: 'acme',
  resolvable: true,
});

const correlation = TelemetryCorrelation.start({
  tenantId: 'acme',
  traceId: TRACE,
  projectId: 'checkout',
  links: [
    link('incident', 'inc-1', 'incident-service'),
    link('cost', 'cs-1', 'cost-telemetry-service'),
    link('metric', 'lat|5m|service=api@2024-05-01T10:00:00.000Z', 'metric-aggregation-service', {
      seriesId: 'lat|5m|service=api',
      metricName: 'lat',
      window: '5m',
      windowStart: '2024-05-01T10:00:00.000Z',
      windowEnd: '2024-05-01T10:05:00.000Z',
      groupKey: 'service=api',
      projectId: 'checkout',
      'group.service': 'api',
    }),
  ],
  at: '2024-05-01T10:06:00.000Z',
});

describe('the correlation mapper', () => {
  it('maps the aggregate to its row and back without loss', () => {
    const row = toCorrelationRow(correlation.toSnapshot(), 4);
    expect(row).toMatchObject({
      id: TRACE,
      tenantId: 'acme',
      projectId: 'checkout',
      dimensions: null,
      dimensionsVersion: 0,
      version: 4,
    });
    expect(row.links.map((l) => l.kind)).toEqual(['metric', 'incident', 'cost']);
    expect(row.links[1]).toEqual({
      kind: 'incident',
      targetId: 'inc-1',
      store: 'incident-service',
    });
    expect(TelemetryCorrelation.rehydrate(toSnapshot(row)).toSnapshot()).toEqual(
      correlation.toSnapshot(),
    );
  });
});

describe('the view', () => {
  it('files links by kind, spells out the metric window and names the query links', () => {
    const view = viewOfSnapshot(correlation.toSnapshot(), 4);
    expect(view.links.trace).toBeNull();
    expect(view.links.incidents).toEqual([
      { kind: 'incident', targetId: 'inc-1', store: 'incident-service' },
    ]);
    expect(view.links.costSignals.map((l) => l.targetId)).toEqual(['cs-1']);
    expect(view.links.metricSeries[0]?.series).toEqual({
      seriesId: 'lat|5m|service=api',
      metricName: 'lat',
      window: '5m',
      windowStart: '2024-05-01T10:00:00.000Z',
      windowEnd: '2024-05-01T10:05:00.000Z',
      groupKey: 'service=api',
      group: { service: 'api' },
      projectId: 'checkout',
    });
    expect(view.links.logReferences).toEqual({
      store: 'log-query-service',
      path: `/v1/log-references?traceId=${TRACE}`,
    });
    expect(view.links.costs.path).toBe(`/v1/costs/by-trace/${TRACE}`);
    expect(view.version).toBe(4);
  });
});
