import type { RunningService } from '@obs/service-kit';
import { mintToken } from '@obs/service-kit';
import { bearer, expectProblem, TestClock } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listOf,
  multipartBody,
  postFeedback,
  reader,
  runExportJobUntilDone,
  startFeedbackService,
  testBlobs,
  uniqueTenant,
  uploadFile,
  writer,
  type AttachmentBody,
  type FeedbackBody,
} from '../../test/feedback-test-kit.js';

interface RouteCase {
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly path: string;
  /** Scopes that open the route (any one of them). */
  readonly scopes: readonly ('read' | 'write' | 'ingest')[];
  readonly body?: Record<string, unknown>;
  readonly multipart?: boolean;
}

const FILE = [
  { name: 'file', fileName: 'a.txt', contentType: 'text/plain', data: Buffer.from('evidence') },
];

/** Every route of the service; the last test checks this table against the OpenAPI document. */
const ROUTES: readonly RouteCase[] = [
  {
    method: 'POST',
    path: '/v1/feedback',
    scopes: ['write', 'ingest'],
    body: { projectId: 'p', category: 'cost', sentiment: 'neutral', summary: 's' },
  },
  { method: 'GET', path: '/v1/feedback', scopes: ['read'] },
  { method: 'GET', path: '/v1/feedback/{id}', scopes: ['read'] },
  { method: 'PATCH', path: '/v1/feedback/{id}', scopes: ['write'], body: { summary: 'edited' } },
  { method: 'POST', path: '/v1/feedback/{id}/route', scopes: ['write'], body: { to: 'team-a' } },
  { method: 'POST', path: '/v1/feedback/{id}/apply', scopes: ['write'], body: { changeRef: 'pr' } },
  { method: 'POST', path: '/v1/feedback/{id}/attachments', scopes: ['write'], multipart: true },
  { method: 'GET', path: '/v1/feedback/{id}/attachments/{attachmentId}', scopes: ['read'] },
  { method: 'POST', path: '/v1/feedback:export', scopes: ['read'], body: {} },
  { method: 'GET', path: '/v1/feedback/exports/{exportId}', scopes: ['read'] },
  { method: 'GET', path: '/v1/feedback/exports/{exportId}/download', scopes: ['read'] },
];
const ID_ROUTES = ROUTES.filter((r) => r.path.includes('{'));
const name = (r: RouteCase) => `${r.method} ${r.path}`;
const documentedName = (r: RouteCase) => name(r).replace('{exportId}', '{id}');

const owner = uniqueTenant('fb-owner');
const intruder = uniqueTenant('fb-intruder');
let service: RunningService;
let item: FeedbackBody;
let attachment: AttachmentBody;
let exportId: string;

beforeAll(async () => {
  service = await startFeedbackService({ clock: new TestClock(), runConsumers: false });
  item = await postFeedback(service, owner);
  const uploaded = await uploadFile(service, owner, item.id, { data: Buffer.from('evidence') });
  expect(uploaded.statusCode, uploaded.body).toBe(201);
  attachment = uploaded.json<AttachmentBody>();
  const exported = await service.app.inject({
    method: 'POST',
    url: '/v1/feedback:export',
    headers: reader(owner),
    payload: {},
  });
  exportId = exported.json<{ id: string }>().id;
  await runExportJobUntilDone(service, owner, exportId);
});
afterAll(async () => {
  await service.close();
});

function call(route: RouteCase, headers: Record<string, string>) {
  const url = route.path
    .replace('{id}', item.id)
    .replace('{attachmentId}', attachment.id)
    .replace('{exportId}', exportId);
  if (route.multipart) {
    const form = multipartBody(FILE);
    return service.app.inject({
      method: route.method,
      url,
      headers: { ...headers, ...form.headers },
      payload: form.payload,
    });
  }
  return service.app.inject({
    method: route.method,
    url,
    headers,
    ...(route.body ? { payload: route.body } : {}),
  });
}

describe('authentication and scopes', () => {
  it.each(ROUTES.map((r) => [name(r), r] as const))(
    '%s answers 401 without a token',
    async (_n, route) => {
      expectProblem(await call(route, {}), 401, 'unauthorized');
    },
  );

  it.each(ROUTES.map((r) => [name(r), r] as const))(
    '%s answers 401 with a token signed by another key',
    async (_n, route) => {
      const forged = mintToken({
        tenantId: owner,
        scopes: ['read', 'write', 'ingest'],
        secret: 'not-the-service-secret-0123456789',
      });
      expectProblem(await call(route, { authorization: `Bearer ${forged}` }), 401, 'unauthorized');
    },
  );

  it.each(ROUTES.map((r) => [name(r), r] as const))(
    '%s answers 403 without its scope',
    async (_n, route) => {
      const others = (['read', 'write', 'ingest'] as const).filter(
        (s) => !route.scopes.includes(s),
      );
      expectProblem(await call(route, bearer(owner, others)), 403, 'missing_scope');
    },
  );

  it('lets the admin scope through', async () => {
    const res = await call(ROUTES[2]!, bearer(owner, ['admin']));
    expect(res.statusCode).toBe(200);
  });

  it('opens POST /v1/feedback to write and to ingest, each alone', async () => {
    for (const scope of ['write', 'ingest'] as const) {
      const res = await call(ROUTES[0]!, bearer(owner, [scope]));
      expect(res.statusCode, res.body).toBe(201);
    }
  });

  it('refuses a forged ingest-only token on POST /v1/feedback with 401', async () => {
    const forged = mintToken({
      tenantId: owner,
      scopes: ['ingest'],
      secret: 'not-the-service-secret-0123456789',
    });
    expectProblem(
      await call(ROUTES[0]!, { authorization: `Bearer ${forged}` }),
      401,
      'unauthorized',
    );
  });
});

describe('tenancy', () => {
  it.each(ID_ROUTES.map((r) => [name(r), r] as const))(
    "%s answers 404 for another tenant's resource",
    async (_n, route) => {
      expectProblem(
        await call(route, bearer(intruder, ['read', 'write', 'ingest'])),
        404,
        'not_found',
      );
    },
  );

  it("leaves the owner's item, attachment and export untouched and shows the intruder nothing", async () => {
    const res = await service.app.inject({
      method: 'GET',
      url: `/v1/feedback/${item.id}`,
      headers: reader(owner),
    });
    expect(res.json<FeedbackBody>()).toMatchObject({
      status: 'captured',
      summary: item.summary,
      version: 2,
      attachments: [attachment],
    });
    expect(await testBlobs().list(`attachments/${owner}/${item.id}/`)).toHaveLength(1);
    expect(await listOf(service, intruder)).toEqual([]);
    expect((await listOf(service, owner)).map((i) => i.id)).toContain(item.id);
    const download = await service.app.inject({
      method: 'GET',
      url: `/v1/feedback/exports/${exportId}/download`,
      headers: reader(owner),
    });
    expect(download.statusCode).toBe(200);
    expect(download.body).toContain(item.id);
  });

  it("writes no attachment when the intruder posts to the owner's item", async () => {
    const res = await uploadFile(
      service,
      intruder,
      item.id,
      { data: Buffer.from('x') },
      writer(intruder),
    );
    expectProblem(res, 404, 'not_found');
    expect(await testBlobs().list(`attachments/${intruder}/`)).toEqual([]);
  });

  it('covers every route of the OpenAPI document', async () => {
    const doc = (await service.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(ROUTES.map(documentedName).sort());
  });
});
