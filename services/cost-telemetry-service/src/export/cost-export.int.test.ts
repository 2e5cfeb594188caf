import { BlobServiceClient } from '@azure/storage-blob';
import type { RunningService } from '@obs/service-kit';
import { expectProblem } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  line,
  reader,
  runExportJobUntilDone,
  sendLines,
  signalsOf,
  startCostService,
  uniqueTenant,
} from '../../test/cost-test-kit.js';
import { EXPORT_JOB } from './cost-export.job.js';

interface ExportBody {
  id: string;
  status: string;
  filter: Record<string, string>;
  requestedAt: string;
  completedAt: string | null;
  rowCount: number | null;
  byteSize: number | null;
  error: string | null;
  downloadUrl: string | null;
}

const CONTAINER = 'cost-exports-test';
let service: RunningService;

beforeAll(async () => {
  service = await startCostService({ config: { exportContainer: CONTAINER } });
});
afterAll(async () => {
  await service.close();
});

async function requestExport(tenantId: string, filter: Record<string, unknown>) {
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/cost-signals:export',
    headers: reader(tenantId),
    payload: filter,
  });
  expect(res.statusCode, res.body).toBe(202);
  const body = res.json<ExportBody>();
  expect(res.headers.location).toBe(`/v1/cost-signals/exports/${body.id}`);
  return body;
}

const statusOf = async (tenantId: string, id: string) =>
  (
    await service.app.inject({
      method: 'GET',
      url: `/v1/cost-signals/exports/${id}`,
      headers: reader(tenantId),
    })
  ).json<ExportBody>();

describe('CSV export to Blob', () => {
  it('answers 202, the job writes the CSV to Blob, and the download streams it back', async () => {
    const tenant = uniqueTenant('cost-export');
    await sendLines(service, tenant, [
      line({ amount: '0.1', occurredAt: '2030-01-10T01:00:00Z' }),
      line({ amount: '0.2', category: 'network', occurredAt: '2030-01-10T02:00:00Z' }),
      line({ amount: '5', occurredAt: '2030-01-11T02:00:00Z' }),
      line({ amount: '9', projectId: '=cmd', occurredAt: '2030-01-11T02:00:00Z' }),
    ]);
    const pending = await requestExport(tenant, { projectId: 'checkout', period: 'day' });
    expect(pending).toMatchObject({
      status: 'pending',
      filter: { projectId: 'checkout', period: 'day' },
      downloadUrl: null,
    });
    const early = await service.app.inject({
      method: 'GET',
      url: `/v1/cost-signals/exports/${pending.id}/download`,
      headers: reader(tenant),
    });
    expectProblem(early, 409, 'export_not_ready');

    await runExportJobUntilDone(service, tenant, pending.id);
    const done = await statusOf(tenant, pending.id);
    expect(done).toMatchObject({ status: 'succeeded', rowCount: 2, error: null });
    expect(done.downloadUrl).toBe(`/v1/cost-signals/exports/${pending.id}/download`);

    const signals = await signalsOf(service, tenant, '&projectId=checkout&period=day');
    const expected =
      'id,projectId,period,periodStart,periodEnd,currency,total,model_inference,compute,storage,network,anomalyCategories,computedAt,version\r\n' +
      signals
        .map(
          (s) =>
            `${s.id},checkout,day,${s.periodStart},${s.periodEnd},USD,${s.total},,${s.breakdown.find((l) => l.category === 'compute')?.amount ?? ''},,${s.breakdown.find((l) => l.category === 'network')?.amount ?? ''},,${s.computedAt},1\r\n`,
        )
        .join('');
    expect(expected).toContain(',0.3,,0.1,,0.2,');

    // Read back from Blob itself, as any Azure Storage client would.
    const blob = BlobServiceClient.fromConnectionString(
      inject('infra').azureStorageConnectionString,
    )
      .getContainerClient(CONTAINER)
      .getBlockBlobClient(`${tenant}/${pending.id}.csv`);
    expect((await blob.downloadToBuffer()).toString('utf8')).toBe(expected);
    expect((await blob.getProperties()).contentType).toBe('text/csv; charset=utf-8');
    expect(done.byteSize).toBe(Buffer.byteLength(expected));

    const download = await service.app.inject({
      method: 'GET',
      url: done.downloadUrl!,
      headers: reader(tenant),
    });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(download.headers['content-disposition']).toBe(
      `attachment; filename="cost-signals-${pending.id}.csv"`,
    );
    expect(download.body).toBe(expected);
  });

  it('exports every signal of the tenant without a filter, defusing formula cells', async () => {
    const tenant = uniqueTenant('cost-export');
    await sendLines(service, tenant, [line({ amount: '9', projectId: '=cmd' })]);
    const requested = await requestExport(tenant, {});
    await runExportJobUntilDone(service, tenant, requested.id);
    const done = await statusOf(tenant, requested.id);
    expect(done.rowCount).toBe(2);
    const csv = (
      await service.app.inject({ method: 'GET', url: done.downloadUrl!, headers: reader(tenant) })
    ).body;
    expect(csv.split('\r\n').filter((l) => l.includes("'=cmd"))).toHaveLength(2);
  });

  it('writes an empty export (a header only) when nothing matches', async () => {
    const tenant = uniqueTenant('cost-export');
    const requested = await requestExport(tenant, { from: '2031-01-01T00:00:00Z' });
    await runExportJobUntilDone(service, tenant, requested.id);
    const done = await statusOf(tenant, requested.id);
    expect(done).toMatchObject({ status: 'succeeded', rowCount: 0 });
    const csv = await service.app.inject({
      method: 'GET',
      url: done.downloadUrl!,
      headers: reader(tenant),
    });
    expect(csv.body.split('\r\n')).toHaveLength(2);
  });

  it.each([
    [{ from: 'last week' }, 'body.from'],
    [{ period: 'year' }, 'body.period'],
    [{ projectId: '' }, 'body.projectId'],
    [{ format: 'xlsx' }, 'body.format'],
  ])('answers 400 for a malformed filter %j', async (filter, fieldName) => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/cost-signals:export',
      headers: reader(uniqueTenant('cost-export')),
      payload: filter,
    });
    const body = expectProblem(res, 400, 'validation_failed');
    expect((body.errors as { field: string }[]).map((e) => e.field)).toContain(fieldName);
  });

  it('marks an export failed when Blob refuses it, and leaves no blob', async () => {
    const broken = await startCostService({
      config: {
        // Azurite's account with a wrong key: every request is refused (403).
        blobConnectionString: inject('infra').azureStorageConnectionString.replace(
          /AccountKey=[^;]+/,
          `AccountKey=${Buffer.from('wrong-key').toString('base64')}`,
        ),
        exportContainer: CONTAINER,
      },
    });
    try {
      const tenant = uniqueTenant('cost-export');
      await sendLines(broken, tenant, [line()]);
      const res = await broken.app.inject({
        method: 'POST',
        url: '/v1/cost-signals:export',
        headers: reader(tenant),
        payload: {},
      });
      const { id } = res.json<ExportBody>();
      await runExportJobUntilDone(broken, tenant, id);
      const status = (
        await broken.app.inject({
          method: 'GET',
          url: `/v1/cost-signals/exports/${id}`,
          headers: reader(tenant),
        })
      ).json<ExportBody>();
      expect(status).toMatchObject({ status: 'failed', downloadUrl: null, rowCount: null });
      expect(status.error).toMatch(/blob storage/);
      const blob = BlobServiceClient.fromConnectionString(
        inject('infra').azureStorageConnectionString,
      )
        .getContainerClient(CONTAINER)
        .getBlockBlobClient(`${tenant}/${id}.csv`);
      expect(await blob.exists()).toBe(false);
    } finally {
      await broken.close();
    }
  });

  it('records the export as failed at once when no blob storage is configured', async () => {
    const without = await startCostService({ config: { blobConnectionString: undefined } });
    try {
      const tenant = uniqueTenant('cost-export');
      const res = await without.app.inject({
        method: 'POST',
        url: '/v1/cost-signals:export',
        headers: reader(tenant),
        payload: {},
      });
      expect(res.statusCode).toBe(202);
      expect(res.json<ExportBody>()).toMatchObject({
        status: 'failed',
        error: 'blob storage is not configured: set AZURE_STORAGE_CONNECTION_STRING',
        downloadUrl: null,
      });
      const download = await without.app.inject({
        method: 'GET',
        url: `/v1/cost-signals/exports/${res.json<ExportBody>().id}/download`,
        headers: reader(tenant),
      });
      expectProblem(download, 409, 'export_not_ready');
      expect(without.jobs.has(EXPORT_JOB)).toBe(false);
    } finally {
      await without.close();
    }
  });
});
