import type { RunningService } from '@obs/service-kit';
import { TestClock, bearer, fuzzWriteRoutes } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricService, uniqueTenant } from '../../test/metric-test-kit.js';

let service: RunningService;
beforeAll(async () => {
  // Fuzzed timestamps are anywhere in 0000-9999; a clock at the end of that range lets the
  // generator reach the windows instead of mostly hitting metric.point_in_future.
  service = await startMetricService({
    clock: new TestClock(Date.parse('9999-01-01T00:00:00.000Z')),
  });
});
afterAll(async () => {
  await service.close();
});

describe('metric-aggregation-service fuzzing', () => {
  it('answers every random body on every write route with 2xx or 4xx, never 5xx', async () => {
    const headers = bearer(uniqueTenant('fuzz'), ['read', 'ingest']);
    const report = await fuzzWriteRoutes(service.app, {
      headers,
      pathParams: {},
      runsPerRoute: 100,
    });
    expect(report.routes).toEqual(expect.arrayContaining(['POST /v1/metric-points']));
    // The generator must reach the windows, not only bounce off validation.
    expect(Object.keys(report.statuses).some((status) => Number(status) < 300)).toBe(true);
  });
});
