import fc from 'fast-check';
import type { RunningService } from '@obs/service-kit';
import { bearer, fuzzWriteRoutes } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlo, startSloService, uniqueTenant } from '../../test/slo-test-kit.js';
import { OPENSLO_EXAMPLE } from './slo.schemas.js';

let service: RunningService;
beforeAll(async () => {
  service = await startSloService({ runConsumers: false });
});
afterAll(async () => {
  await service.close();
});

describe('slo-service fuzzing', () => {
  it('answers every random body on every JSON write route with 2xx or 4xx, never 5xx', async () => {
    const tenant = uniqueTenant('fuzz');
    const headers = bearer(tenant, ['read', 'write']);
    const slo = await createSlo(service, tenant);
    const report = await fuzzWriteRoutes(service.app, {
      headers,
      pathParams: { id: slo.id },
      runsPerRoute: 100,
    });
    expect(report.routes).toEqual(
      expect.arrayContaining([
        'POST /v1/slos',
        'PUT /v1/slos/{id}',
        'POST /v1/slos/{id}/maintenance-windows',
      ]),
    );
    expect(Object.keys(report.statuses).some((status) => Number(status) < 300)).toBe(true);
    expect(report.statuses[422] ?? 0).toBeGreaterThan(0);
  });

  it('answers random and mutated YAML on the import with 2xx or 4xx, never 5xx', async () => {
    const headers = {
      ...bearer(uniqueTenant('fuzz-yaml'), ['read', 'write']),
      'content-type': 'application/yaml',
    };
    const lines = OPENSLO_EXAMPLE.split('\n');
    // Random text, and the example with lines dropped, duplicated or garbled.
    const mutated = fc
      .array(
        fc.oneof(
          fc.constantFrom(...lines),
          fc.string(),
          fc.constantFrom('---', '  - a', 'x: &a [*a]', '{', 'target: -1', 'value: 1e400'),
        ),
        { maxLength: 40 },
      )
      .map((parts) => parts.join('\n'));
    const statuses: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), mutated), async (payload) => {
        const res = await service.app.inject({
          method: 'POST',
          url: '/v1/slos:import',
          headers,
          payload,
        });
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        expect(res.statusCode, `${JSON.stringify(payload)} -> ${res.body}`).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
    expect(statuses[422] ?? 0).toBeGreaterThan(0);
  });
});
