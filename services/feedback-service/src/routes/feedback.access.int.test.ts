import type { RunningService } from '@obs/service-kit';
import { mintToken } from '@obs/service-kit';
import {
  bearer,
  expectProblem,
  injectRoute,
  documentedOperations,
  openApiDocument,
  itAnswers404ForAnotherTenant,
  itAnswers401WithForgedToken,
  itAnswers401WithoutToken,
  itAnswers403WithoutScope,
  itLetsThrough,
  routeName as name,
  TestClock,
  type RouteAccessOptions,
  type RouteCase,
} from '@obs/service-kit/testing';
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

const FILE = [
  { name: 'file', fileName: 'a.txt', contentType: 'text/plain', data: Buffer.from('evidence') },
];

/** A rule no item of these tests matches (the owner's items stay captured). */
const RULE = {
  name: 'never',
  position: 1,
  matchers: [{ name: 'project', operator: '=', value: 'no-such-project' }],
  to: 'team-none',
};

/** Every route of the service; the last test checks this table against the OpenAPI document. */
const ROUTES: readonly RouteCase[] = [
  {
    method: 'POST',
    path: '/v1/feedback',
    scope: ['write', 'ingest'],
    body: { projectId: 'p', category: 'cost', sentiment: 'neutral', summary: 's' },
  },
  { method: 'GET', path: '/v1/feedback', scope: ['read', 'ingest'] },
  { method: 'GET', path: '/v1/feedback/{id}', scope: 'read' },
  { method: 'PATCH', path: '/v1/feedback/{id}', scope: 'write', body: { summary: 'edited' } },
  { method: 'POST', path: '/v1/feedback/{id}/route', scope: 'write', body: { to: 'team-a' } },
  {
    method: 'POST',
    path: '/v1/feedback/{id}/apply',
    scope: ['write', 'ingest'],
    body: { changeRef: 'pr' },
  },
  {
    method: 'POST',
    path: '/v1/feedback/{id}/attachments',
    scope: 'write',
    form: () => multipartBody(FILE),
  },
  { method: 'GET', path: '/v1/feedback/{id}/attachments/{attachmentId}', scope: 'read' },
  { method: 'POST', path: '/v1/feedback:export', scope: 'read', body: {} },
  { method: 'GET', path: '/v1/feedback/exports/{exportId}', scope: 'read' },
  { method: 'GET', path: '/v1/feedback/exports/{exportId}/download', scope: 'read' },
  { method: 'POST', path: '/v1/feedback-routes', scope: 'write', body: RULE },
  { method: 'GET', path: '/v1/feedback-routes', scope: 'read' },
  { method: 'GET', path: '/v1/feedback-routes/{routeId}', scope: 'read' },
  {
    method: 'PUT',
    path: '/v1/feedback-routes/{routeId}',
    scope: 'write',
    body: { ...RULE, position: 999 },
  },
  { method: 'DELETE', path: '/v1/feedback-routes/{routeId}', scope: 'write' },
];
const ID_ROUTES = ROUTES.filter((r) => r.path.includes('{'));
const documentedName = (r: RouteCase) =>
  name(r).replace('{exportId}', '{id}').replace('{routeId}', '{id}');

const owner = uniqueTenant('fb-owner');
const intruder = uniqueTenant('fb-intruder');
let service: RunningService;
let item: FeedbackBody;
let attachment: AttachmentBody;
let exportId: string;
let routeId: string;

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
  const rule = await service.app.inject({
    method: 'POST',
    url: '/v1/feedback-routes',
    headers: writer(owner),
    payload: { ...RULE, position: 0 },
  });
  expect(rule.statusCode, rule.body).toBe(201);
  routeId = rule.json<{ id: string }>().id;
});
afterAll(async () => {
  await service.close();
});

const call = (route: RouteCase, headers: Record<string, string>) =>
  injectRoute(service.app, route, headers, {
    id: item.id,
    attachmentId: attachment.id,
    exportId,
    routeId,
  });

const access: RouteAccessOptions<RouteCase> = {
  routes: ROUTES,
  call,
  tenant: owner,
  scopes: ['read', 'write', 'ingest'],
};

describe('authentication and scopes', () => {
  itAnswers401WithoutToken(access);
  itAnswers401WithForgedToken(access);
  itAnswers403WithoutScope(access);
  itLetsThrough(access, { adminOn: ROUTES[2]! });

  it("lets an agent's ingest token list its own inbox", async () => {
    const res = await call(ROUTES[1]!, bearer(owner, ['ingest'], 'agent-x'));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ items: unknown[] }>().items).toEqual([]);
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
  itAnswers404ForAnotherTenant({
    routes: ID_ROUTES,
    call,
    what: 'resource',
    headersOf: () => bearer(intruder, ['read', 'write', 'ingest']),
  });

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
    expect(documentedOperations(await openApiDocument(service.app))).toEqual(
      ROUTES.map(documentedName).sort(),
    );
  });
});
