import type { RunningService } from '@obs/service-kit';
import { bearer, fuzzWriteRoutes } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIncidentService, uniqueTenant } from '../../test/incident-test-kit.js';

let service: RunningService;
beforeAll(async () => {
  service = await startIncidentService({ runConsumers: false });
});
afterAll(async () => {
  await service.close();
});

describe('incident-service fuzzing', () => {
  it('answers every random body on every write route with 2xx or 4xx, never 5xx', async () => {
    const headers = bearer(uniqueTenant('fuzz'), ['read', 'write']);
    const created = await service.app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers,
      payload: { title: 'fuzz target', severity: 'high', projectId: 'fuzz' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const report = await fuzzWriteRoutes(service.app, {
      headers,
      pathParams: { id: created.json<{ id: string }>().id },
      runsPerRoute: 100,
    });
    expect(report.routes).toEqual(
      expect.arrayContaining([
        'POST /v1/incidents',
        'POST /v1/incidents/{id}/resolve',
        'POST /v1/incidents/{id}/postmortem-notes',
      ]),
    );
    // The generator must reach the domain, not only bounce off validation.
    expect(Object.keys(report.statuses).some((status) => Number(status) < 300)).toBe(true);
    expect(report.statuses[422] ?? 0).toBeGreaterThan(0);
  });
});
