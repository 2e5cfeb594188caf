import type { RunningService } from '@obs/service-kit';
import { bearer, fuzzWriteRoutes } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compute, startQualityService, uniqueTenant } from '../../test/quality-test-kit.js';

let service: RunningService;
beforeAll(async () => {
  service = await startQualityService({ runConsumers: false });
});
afterAll(async () => {
  await service.close();
});

describe('quality-score-service fuzzing', () => {
  it('answers every random body on every write route with 2xx or 4xx, never 5xx', async () => {
    const tenant = uniqueTenant('fuzz');
    await compute(service, tenant, 'checkout');
    const report = await fuzzWriteRoutes(service.app, {
      headers: bearer(tenant, ['read', 'write', 'ingest']),
      pathParams: { projectId: 'checkout' },
      runsPerRoute: 150,
    });
    expect(report.routes).toEqual(
      expect.arrayContaining([
        'POST /v1/quality-scores:compute',
        'POST /v1/quality-scores/{projectId}/check-results',
      ]),
    );
    // The generator must reach the domain, not only bounce off validation.
    expect(Object.keys(report.statuses).some((status) => Number(status) < 300)).toBe(true);
    expect(report.statuses[422] ?? 0).toBeGreaterThan(0);
  });
});
