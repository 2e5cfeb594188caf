import type { RunningService } from '@obs/service-kit';
import { TestClock, expectProblem } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_CONFIG,
  newSpanId,
  newTraceId,
  otlpBody,
  reader,
  resourceAttributes,
  sendSpans,
  startTraceService,
  uniqueTenant,
  writer,
} from '../../test/trace-test-kit.js';

const DAY = 86_400_000;
// Retention is global across tenants: this suite's clock sits years before every other
// suite's data, so its runs can only delete its own traces.
const clock = new TestClock(Date.parse('2001-01-01T00:00:00.000Z'));
let service: RunningService;

beforeAll(async () => {
  service = await startTraceService({ clock });
});
afterAll(async () => {
  await service.close();
});

async function traceAt(tenant: string, startMs: number, serviceName?: string): Promise<string> {
  const traceId = newTraceId();
  const overrides = serviceName === undefined ? {} : { 'service.name': serviceName };
  await sendSpans(
    service,
    tenant,
    otlpBody(resourceAttributes(tenant, overrides), [
      { traceId, spanId: newSpanId(), startMs, durationMs: 1 },
    ]),
  );
  return traceId;
}

const pin = (tenant: string, traceId: string, method: 'POST' | 'DELETE') =>
  service.app.inject({ method, url: `/v1/traces/${traceId}/pin`, headers: writer(tenant) });
const status = async (tenant: string, traceId: string) =>
  (
    await service.app.inject({
      method: 'GET',
      url: `/v1/traces/${traceId}`,
      headers: reader(tenant),
    })
  ).statusCode;

async function spansLeft(traceId: string): Promise<number> {
  const [row]: { n: string }[] = await service.ctx.dataSource.query(
    `SELECT count(*) AS n FROM ${service.ctx.table('spans')} WHERE trace_id = $1`,
    [traceId],
  );
  return Number(row?.n);
}

describe('pins and retention', () => {
  it('refuses a pin body that names a field, naming it', async () => {
    const tenant = uniqueTenant('pin-body');
    const traceId = await traceAt(tenant, clock.nowMs - DAY);
    for (const method of ['POST', 'DELETE'] as const) {
      const res = await service.app.inject({
        method,
        url: `/v1/traces/${traceId}/pin`,
        headers: writer(tenant),
        payload: { pinned: true },
      });
      const body = expectProblem(res, 400, 'validation_failed');
      expect(body.errors).toEqual([{ field: 'body.pinned', message: 'unknown field' }]);
    }
  });

  it('deletes unpinned traces older than TRACE_RETENTION_DAYS with their spans, keeps pinned ones', async () => {
    const tenant = uniqueTenant('ret');
    const old = clock.nowMs - (TEST_CONFIG.retentionDays + 1) * DAY;
    const expired = await traceAt(tenant, old);
    const pinned = await traceAt(tenant, old);
    const recent = await traceAt(tenant, clock.nowMs - DAY);

    const res = await pin(tenant, pinned, 'POST');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      traceId: pinned,
      pinned: true,
      pinnedAt: new Date(clock.nowMs).toISOString(),
    });
    clock.nowMs += 1_000;
    // Pinning again keeps the first pinnedAt.
    expect((await pin(tenant, pinned, 'POST')).json()).toMatchObject({
      pinnedAt: new Date(clock.nowMs - 1_000).toISOString(),
    });

    expect(await service.jobs.get('trace-retention')?.runOnce()).toBe(true);
    expect(await status(tenant, expired)).toBe(404);
    expect(await spansLeft(expired)).toBe(0);
    expect(await status(tenant, pinned)).toBe(200);
    expect(await spansLeft(pinned)).toBe(1);
    expect(await status(tenant, recent)).toBe(200);

    expect((await pin(tenant, pinned, 'DELETE')).json()).toEqual({
      traceId: pinned,
      pinned: false,
      pinnedAt: null,
    });
    expect(await service.jobs.get('trace-retention')?.runOnce()).toBe(true);
    expect(await status(tenant, pinned)).toBe(404);
  });

  it('forgets the operations of the Jaeger API that no kept span was seen with', async () => {
    const tenant = uniqueTenant('ret-ops');
    await traceAt(tenant, clock.nowMs - (TEST_CONFIG.retentionDays + 1) * DAY, 'retired-svc');
    await traceAt(tenant, clock.nowMs - DAY, 'live-svc');
    const services = async () =>
      (
        await service.app.inject({
          method: 'GET',
          url: '/jaeger/api/services',
          headers: reader(tenant),
        })
      ).json<{ data: string[] }>().data;
    expect(await services()).toEqual(['live-svc', 'retired-svc']);
    expect(await service.jobs.get('trace-retention')?.runOnce()).toBe(true);
    expect(await services()).toEqual(['live-svc']);
  });

  it("answers 404 when pinning another tenant's trace or an unknown one, and changes nothing", async () => {
    const owner = uniqueTenant('owner');
    const traceId = await traceAt(owner, clock.nowMs);
    for (const method of ['POST', 'DELETE'] as const) {
      expectProblem(await pin(uniqueTenant('intruder'), traceId, method), 404, 'not_found');
      expectProblem(await pin(owner, newTraceId(), method), 404, 'not_found');
    }
    const res = await service.app.inject({
      method: 'GET',
      url: `/v1/traces/${traceId}`,
      headers: reader(owner),
    });
    expect(res.json()).toMatchObject({ pinned: false });
  });
});
