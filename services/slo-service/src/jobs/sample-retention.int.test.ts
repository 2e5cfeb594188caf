import type { RunningService } from '@obs/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GOOD_METRIC,
  TOTAL_METRIC,
  createSlo,
  metricWindow,
  publish,
  ratioBody,
  startSloService,
  statusOf,
  uniqueTenant,
} from '../../test/slo-test-kit.js';
import { SAMPLE_RETENTION_JOB } from './sample-retention.job.js';

let service: RunningService;
beforeAll(async () => {
  service = await startSloService({ runJobs: false });
});
afterAll(async () => {
  await service.close();
});

const T0 = Date.UTC(2025, 2, 1);
const minute = (n: number) => T0 + n * 60_000;

describe('sample retention', () => {
  it('drops windows no evaluation can read again, keeping the budget unchanged', async () => {
    const tenant = uniqueTenant('slo-retention');
    // A 60-minute SLO: the 3d window of the ticket burn-rate alert is the longer look-back, so
    // 4 320 minutes are kept.
    const slo = await createSlo(service, tenant, ratioBody({ target: 99, windowMinutes: 60 }));
    const windows = [0, 1, 4_400].flatMap((n) => [
      metricWindow({ tenantId: tenant, metric: GOOD_METRIC, start: minute(n), sum: 100 }),
      metricWindow({ tenantId: tenant, metric: TOTAL_METRIC, start: minute(n), sum: 100 }),
    ]);
    await publish(service, windows);
    await expect
      .poll(async () => (await statusOf(service, tenant, slo.id)).lastEvaluatedAt, {
        timeout: 30_000,
        interval: 100,
      })
      .toBe(new Date(minute(4_401)).toISOString());
    await expect
      .poll(async () => (await statusOf(service, tenant, slo.id)).totalEvents, {
        timeout: 30_000,
        interval: 100,
      })
      .toBe(100);
    const count = async () =>
      Number(
        (
          await service.ctx.dataSource.query<{ n: string }[]>(
            `SELECT count(*) AS n FROM ${service.ctx.table('slo_samples')} WHERE slo_id = $1`,
            [slo.id],
          )
        )[0]?.n,
      );
    expect(await count()).toBe(6);
    expect(await service.jobs.get(SAMPLE_RETENTION_JOB)?.runOnce()).toBe(true);
    // Minutes 0 and 1 ended more than 4 320 minutes before 4 401: gone; minute 4 400 stays.
    expect(await count()).toBe(2);
    expect((await statusOf(service, tenant, slo.id)).totalEvents).toBe(100);
  });
});
