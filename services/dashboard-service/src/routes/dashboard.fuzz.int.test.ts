import type { RunningService } from '@obs/service-kit';
import { bearer, fuzzWriteRoutes } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startContractUpstreams, type ContractUpstreams } from '../../test/contract-upstreams.js';
import {
  createDashboard,
  definition,
  seedReferences,
  startDashboardService,
  uniqueTenant,
} from '../../test/dashboard-test-kit.js';

let upstreams: ContractUpstreams;
let service: RunningService;
beforeAll(async () => {
  upstreams = await startContractUpstreams();
  service = await startDashboardService(upstreams);
});
afterAll(async () => {
  await service.close();
  await upstreams.close();
});

describe('dashboard-service fuzzing', () => {
  it('answers every random body on every write route with 2xx or 4xx, never 5xx', async () => {
    const tenant = uniqueTenant('fuzz');
    seedReferences(upstreams, tenant);
    // Every reference resolves, so random definitions are judged by the domain (layout, sources).
    upstreams.knowEverything(tenant);
    const created = await createDashboard(service, tenant, definition('fuzz target'));
    const report = await fuzzWriteRoutes(service.app, {
      headers: bearer(tenant, ['read', 'write']),
      pathParams: { id: created.id },
      runsPerRoute: 100,
      // Reproducible: a random conforming body rarely passes the grid rules (no overlap, x + w
      // ≤ 24); with this seed some do, so the run reaches the database.
      seed: 1,
    });
    expect(report.routes).toEqual(['POST /v1/dashboards', 'PUT /v1/dashboards/{id}']);
    // The generator must reach the domain, not only bounce off validation.
    expect(Object.keys(report.statuses).some((status) => Number(status) < 300)).toBe(true);
    expect(report.statuses[422] ?? 0).toBeGreaterThan(0);
  });
});
