import type { RunningService } from '@obs/service-kit';
import { TestClock, bearer, fuzzWriteRoutes } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogService, uniqueTenant } from '../../test/log-test-kit.js';

let service: RunningService;
beforeAll(async () => {
  service = await startLogService({ clock: new TestClock() });
});
afterAll(async () => {
  await service.close();
});

describe('log-query-service fuzzing', () => {
  it('answers every random body on every write route with 2xx or 4xx, never 5xx', async () => {
    const headers = bearer(uniqueTenant('fuzz'), ['read', 'ingest']);
    const report = await fuzzWriteRoutes(service.app, {
      headers,
      pathParams: {},
      runsPerRoute: 100,
    });
    expect(report.routes).toEqual(
      expect.arrayContaining(['POST /v1/log-queries', 'POST /v1/logs']),
    );
    expect(Object.keys(report.statuses).some((status) => Number(status) < 300)).toBe(true);
  });
});
