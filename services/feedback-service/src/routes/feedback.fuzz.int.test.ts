import type { RunningService } from '@obs/service-kit';
import { bearer, fuzzWriteRoutes } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postFeedback, startFeedbackService, uniqueTenant } from '../../test/feedback-test-kit.js';

let service: RunningService;
beforeAll(async () => {
  service = await startFeedbackService({ runConsumers: false });
});
afterAll(async () => {
  await service.close();
});

describe('feedback-service fuzzing', () => {
  it('answers every random body on every write route with 2xx or 4xx, never 5xx', async () => {
    const tenant = uniqueTenant('fuzz');
    const headers = bearer(tenant, ['read', 'write', 'ingest']);
    const item = await postFeedback(service, tenant);
    const report = await fuzzWriteRoutes(service.app, {
      headers,
      pathParams: { id: item.id },
      runsPerRoute: 100,
    });
    expect(report.routes).toEqual(
      expect.arrayContaining([
        'POST /v1/feedback',
        'PATCH /v1/feedback/{id}',
        'POST /v1/feedback/{id}/route',
        'POST /v1/feedback/{id}/apply',
        'POST /v1/feedback/{id}/attachments',
        'POST /v1/feedback:export',
        'POST /v1/feedback-routes',
        'PUT /v1/feedback-routes/{id}',
      ]),
    );
    // The generator must reach the domain, not only bounce off validation.
    expect(Object.keys(report.statuses).some((status) => Number(status) < 300)).toBe(true);
    expect(report.statuses[422] ?? 0).toBeGreaterThan(0);
  });
});
