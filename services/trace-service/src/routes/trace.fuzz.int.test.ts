import type { RunningService } from '@obs/service-kit';
import { TestClock, bearer, fuzzWriteRoutes } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  newSpanId,
  newTraceId,
  otlpBody,
  resourceAttributes,
  sendSpans,
  startTraceService,
  uniqueTenant,
} from '../../test/trace-test-kit.js';

let service: RunningService;
const tenant = uniqueTenant('fuzz');
const traceId = newTraceId();
beforeAll(async () => {
  service = await startTraceService({
    clock: new TestClock(Date.parse('2050-01-01T00:00:00.000Z')),
  });
  await sendSpans(
    service,
    tenant,
    otlpBody(resourceAttributes(tenant), [
      { traceId, spanId: newSpanId(), startMs: Date.now(), durationMs: 1 },
    ]),
  );
});
afterAll(async () => {
  await service.close();
});

describe('trace-service fuzzing', () => {
  it('answers every random body on every write route with 2xx or 4xx, never 5xx', async () => {
    const report = await fuzzWriteRoutes(service.app, {
      headers: bearer(tenant, ['read', 'ingest', 'write']),
      pathParams: { traceId },
      runsPerRoute: 100,
    });
    expect(report.routes).toEqual(
      expect.arrayContaining(['POST /v1/traces', 'POST /v1/traces/{traceId}/pin']),
    );
    expect(Object.keys(report.statuses).some((status) => Number(status) < 300)).toBe(true);
  });
});
