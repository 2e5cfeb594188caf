import type { RunningService } from '@obs/service-kit';
import {
  bearer,
  describeRouteAccess,
  injectRoute,
  documentedOperations,
  openApiDocument,
  itAnswers404ForAnotherTenant,
  routeName as name,
  type RouteCase,
} from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DAY,
  check,
  compute,
  historyOf,
  latestOf,
  startQualityService,
  uniqueTenant,
  type ScoreBody,
} from '../../test/quality-test-kit.js';

/** Every route of the service; the last test checks this table against the OpenAPI document. */
const ROUTES: readonly RouteCase[] = [
  {
    method: 'POST',
    path: '/v1/quality-scores:compute',
    scope: 'write',
    body: { projectId: '{projectId}', window: DAY },
  },
  { method: 'GET', path: '/v1/quality-scores/{projectId}', scope: 'read' },
  { method: 'GET', path: '/v1/quality-scores/{projectId}/history', scope: 'read' },
  {
    method: 'POST',
    path: '/v1/quality-scores/{projectId}/check-results',
    scope: 'ingest',
    body: { results: [check()] },
  },
];
const PROJECT_READS = ROUTES.filter((r) => r.method === 'GET');

const owner = uniqueTenant('qs-owner');
const intruder = uniqueTenant('qs-intruder');
const PROJECT = 'checkout';
let service: RunningService;
let score: ScoreBody;

beforeAll(async () => {
  service = await startQualityService({ runConsumers: false });
  score = await compute(service, owner, PROJECT);
});
afterAll(async () => {
  await service.close();
});

const call = (route: RouteCase, headers: Record<string, string>) =>
  injectRoute(service.app, route, headers, { projectId: PROJECT });

describeRouteAccess({
  routes: ROUTES,
  call,
  tenant: owner,
  scopes: ['read', 'write', 'ingest'],
  letThrough: 'admin',
});

describe('tenancy', () => {
  itAnswers404ForAnotherTenant({
    routes: PROJECT_READS,
    call,
    what: 'project',
    headersOf: () => bearer(intruder, ['read']),
  });

  it("computes and checks in the intruder's own tenant, leaving the owner's score untouched", async () => {
    const before = await latestOf(service, owner, PROJECT);
    const computed = await call(ROUTES[0]!, bearer(intruder, ['write']));
    expect(computed.json<ScoreBody>()).toMatchObject({ tenantId: intruder, overall: 1 });
    expect(computed.json<ScoreBody>().id).not.toBe(score.id);
    const checked = await call(ROUTES[3]!, bearer(intruder, ['ingest']));
    expect(checked.json<{ scores: ScoreBody[] }>().scores[0]?.tenantId).toBe(intruder);
    expect(await latestOf(service, owner, PROJECT)).toEqual(before);
    expect(
      (await historyOf(service, owner, PROJECT)).items.every((i) => i.tenantId === owner),
    ).toBe(true);
  });

  it('covers every route of the OpenAPI document', async () => {
    expect(documentedOperations(await openApiDocument(service.app))).toEqual(
      ROUTES.map(name).sort(),
    );
  });
});
