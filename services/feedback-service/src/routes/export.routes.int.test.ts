import type { RunningService } from '@obs/service-kit';
import { expectProblem, TestClock } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  machine,
  postFeedback,
  reader,
  runExportJobUntilDone,
  runVerb,
  startFeedbackService,
  testBlobs,
  uniqueTenant,
  type FeedbackBody,
} from '../../test/feedback-test-kit.js';

const clock = new TestClock();
let service: RunningService;
const blobs = testBlobs();

beforeAll(async () => {
  service = await startFeedbackService({ clock, runConsumers: false });
});
afterAll(async () => {
  await service.close();
});

interface ExportBody {
  id: string;
  status: string;
  filter: Record<string, string>;
  requestedAt: string;
  startedAt: string | null;
  completedAt: string | null;
  itemCount: number | null;
  sizeBytes: number | null;
  error: string | null;
  download: { url: string; contentType: string } | null;
}

const requestExport = (tenant: string, payload: unknown) =>
  service.app.inject({
    method: 'POST',
    url: '/v1/feedback:export',
    headers: reader(tenant),
    payload: payload as object,
  });
const statusOf = async (tenant: string, id: string): Promise<ExportBody> => {
  const res = await service.app.inject({
    method: 'GET',
    url: `/v1/feedback/exports/${id}`,
    headers: reader(tenant),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ExportBody>();
};
const parseNdjson = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as FeedbackBody);

describe('POST /v1/feedback:export', () => {
  it('answers 202, the job writes the matching items as NDJSON to Blob, and GET downloads it', async () => {
    const tenant = uniqueTenant('exp');
    const items: FeedbackBody[] = [];
    for (const [projectId, category] of [
      ['checkout', 'reliability'],
      ['checkout', 'cost'],
      ['search', 'reliability'],
      ['checkout', 'reliability'],
    ] as const) {
      clock.advanceMinutes(1);
      items.push(await postFeedback(service, tenant, { projectId, category }));
    }
    expect((await runVerb(service, tenant, items[3]!.id, 'route')).statusCode).toBe(200);
    await postFeedback(service, uniqueTenant('exp-other'), { projectId: 'checkout' });

    const res = await requestExport(tenant, {
      filter: { projectId: 'checkout', category: 'reliability' },
    });
    expect(res.statusCode, res.body).toBe(202);
    const queued = res.json<ExportBody>();
    expect(res.headers.location).toBe(`/v1/feedback/exports/${queued.id}`);
    expect(queued).toEqual({
      id: queued.id,
      status: 'queued',
      filter: { projectId: 'checkout', category: 'reliability' },
      requestedAt: clock.iso(),
      startedAt: null,
      completedAt: null,
      itemCount: null,
      sizeBytes: null,
      error: null,
      download: null,
    });
    const early = await service.app.inject({
      method: 'GET',
      url: `/v1/feedback/exports/${queued.id}/download`,
      headers: reader(tenant),
    });
    expectProblem(early, 409, 'export_not_ready');

    clock.advanceMinutes(1);
    await runExportJobUntilDone(service, tenant, queued.id);
    const done = await statusOf(tenant, queued.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      startedAt: clock.iso(),
      completedAt: clock.iso(),
      itemCount: 2,
      download: {
        url: `/v1/feedback/exports/${queued.id}/download`,
        contentType: 'application/x-ndjson',
      },
    });

    // The blob itself, read straight from storage: one item per line, newest first.
    const stored = await blobs.download(`exports/${tenant}/${queued.id}.ndjson`);
    expect(stored?.contentType).toBe('application/x-ndjson');
    let text = '';
    for await (const chunk of stored!.stream) text += (chunk as Buffer).toString('utf8');
    expect(done.sizeBytes).toBe(Buffer.byteLength(text));
    const lines = parseNdjson(text);
    expect(lines.map((l) => l.id)).toEqual([items[3]!.id, items[0]!.id]);
    expect(lines[0]).toMatchObject({ status: 'routed', tenantId: tenant, projectId: 'checkout' });

    const download = await service.app.inject({
      method: 'GET',
      url: done.download!.url,
      headers: reader(tenant),
    });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/x-ndjson');
    expect(download.body).toBe(text);
  });

  it('exports everything of the tenant without a filter, and an empty export when nothing matches', async () => {
    const tenant = uniqueTenant('exp-all');
    await postFeedback(service, tenant);
    await postFeedback(service, tenant, {}, machine(tenant));
    const all = (await requestExport(tenant, {})).json<ExportBody>();
    const none = (
      await requestExport(tenant, { filter: { sentiment: 'positive' } })
    ).json<ExportBody>();
    await runExportJobUntilDone(service, tenant, all.id);
    await runExportJobUntilDone(service, tenant, none.id);
    expect(await statusOf(tenant, all.id)).toMatchObject({ status: 'succeeded', itemCount: 2 });
    expect(await statusOf(tenant, none.id)).toMatchObject({
      status: 'succeeded',
      itemCount: 0,
      sizeBytes: 0,
    });
    const empty = await service.app.inject({
      method: 'GET',
      url: `/v1/feedback/exports/${none.id}/download`,
      headers: reader(tenant),
    });
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toBe('');
  });

  it.each([
    [{ filter: { category: 'security' } }, 'body.filter.category'],
    [{ filter: { from: 'last week' } }, 'body.filter.from'],
    [{ filter: { colour: 'red' } }, 'body.filter.colour'],
    [{ filter: 'projectId=checkout' }, 'body.filter'],
    [{ format: 'csv' }, 'body.format'],
  ])('refuses the malformed filter %j with 400 naming %s', async (payload, field) => {
    const tenant = uniqueTenant('exp-400');
    const res = await requestExport(tenant, payload);
    expectProblem(res, 400, 'validation_failed');
    expect(res.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toContain(field);
  });

  it('answers 405 with Allow: POST for the other methods on /v1/feedback:export', async () => {
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await service.app.inject({
        method,
        url: '/v1/feedback:export',
        headers: reader(uniqueTenant('exp-405')),
      });
      expectProblem(res, 405, 'method_not_allowed');
      expect(res.headers.allow).toBe('POST');
    }
  });

  it('refuses a body that is not JSON (NDJSON) with 415 or 400', async () => {
    const tenant = uniqueTenant('exp-ndjson');
    const ndjson = await service.app.inject({
      method: 'POST',
      url: '/v1/feedback:export',
      headers: { ...reader(tenant), 'content-type': 'application/x-ndjson' },
      payload: '{"filter":{}}\n{"filter":{}}\n',
    });
    expectProblem(ndjson, 415, 'unsupported_media_type');
    const broken = await service.app.inject({
      method: 'POST',
      url: '/v1/feedback:export',
      headers: { ...reader(tenant), 'content-type': 'application/json' },
      payload: '{"filter":{"projectId":',
    });
    expect(broken.statusCode).toBe(400);
  });
});
