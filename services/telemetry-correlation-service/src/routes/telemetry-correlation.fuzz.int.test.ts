import type { RunningService } from '@obs/service-kit';
import { buildEvent, fuzzWriteRoutes } from '@obs/service-kit/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadUrl } from '../../test/contract-stubs.js';
import {
  newTraceId,
  publish,
  reader,
  startCorrelationService,
  uniqueTenant,
  waitForApplied,
} from '../../test/correlation-test-kit.js';
import { LINKED_SERVICES, type LinkedService } from '../config.js';

let service: RunningService;
const tenant = uniqueTenant('fuzz');
const seeded = newTraceId();
beforeAll(async () => {
  const down = await deadUrl();
  service = await startCorrelationService({
    config: {
      upstreams: Object.fromEntries(LINKED_SERVICES.map((n) => [n, down])) as Record<
        LinkedService,
        string
      >,
    },
  });
  const event = buildEvent('CostAnomalyDetected', { tenantId: tenant, traceId: seeded });
  await publish(service, event);
  await waitForApplied(service, [event.eventId]);
});
afterAll(async () => {
  await service.close();
});

describe('telemetry-correlation-service fuzzing', () => {
  it('has no write route: the correlation is written by its consumers alone', async () => {
    const report = await fuzzWriteRoutes(service.app, { headers: reader(uniqueTenant('fuzz')) });
    expect(report.routes).toEqual([]);
  });

  it('answers every random path segment and query on its read route with 200, 400 or 404, never 5xx', async () => {
    const headers = reader(tenant);
    const hex = fc.stringMatching(/^[0-9a-f]{32}$/);
    const segment = fc.oneof(
      hex,
      fc.constant(seeded),
      fc.string({ maxLength: 40 }),
      fc.constant('0'.repeat(32)),
    );
    const query = fc.oneof(
      fc.constant(''),
      fc.constantFrom('?expand=true', '?expand=false', '?expand=', '?expand=1', '?x=y'),
      fc.string({ maxLength: 20 }).map((s) => `?expand=${encodeURIComponent(s)}`),
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(segment, query, async (id, q) => {
        const res = await service.app.inject({
          method: 'GET',
          url: `/v1/correlations/${encodeURIComponent(id)}${q}`,
          headers,
        });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        expect([200, 400, 404], `${id} ${q}: ${res.body}`).toContain(res.statusCode);
        expect(res.headers['content-type']).toMatch(/json/);
      }),
      { numRuns: 300 },
    );
    // Known (200, expanded with every linked service down), unknown (404) and invalid (400).
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(404) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
  });
});
