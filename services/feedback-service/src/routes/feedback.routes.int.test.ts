import { Validator } from '@seriousme/openapi-schema-validator';
import type { RunningService } from '@obs/service-kit';
import { expectProblem, TestClock } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SAMPLE,
  TRACE_ID,
  listOf,
  machine,
  postFeedback,
  reader,
  runVerb,
  startFeedbackService,
  uniqueTenant,
  writer,
  type FeedbackBody,
} from '../../test/feedback-test-kit.js';

const clock = new TestClock();
let service: RunningService;

beforeAll(async () => {
  service = await startFeedbackService({ clock, runConsumers: false });
});
afterAll(async () => {
  await service.close();
});

const post = (tenant: string, payload: unknown, headers: Record<string, string> = writer(tenant)) =>
  service.app.inject({ method: 'POST', url: '/v1/feedback', headers, payload: payload as object });

describe('POST /v1/feedback', () => {
  it('captures feedback from a person: 201, Location, ETag, source human', async () => {
    const tenant = uniqueTenant('fb-create');
    const res = await post(tenant, {
      projectId: 'checkout',
      artifactId: 'payments-api',
      category: 'performance',
      sentiment: 'negative',
      summary: '  Checkout takes 4 s  ',
      detail: 'since 1.14',
      traceId: TRACE_ID,
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<FeedbackBody>();
    expect(res.headers.location).toBe(`/v1/feedback/${body.id}`);
    expect(res.headers.etag).toBe('"1"');
    expect(body).toEqual({
      id: body.id,
      tenantId: tenant,
      projectId: 'checkout',
      artifactId: 'payments-api',
      moduleId: null,
      source: 'human',
      sourceId: null,
      category: 'performance',
      sentiment: 'negative',
      summary: 'Checkout takes 4 s',
      detail: 'since 1.14',
      traceId: TRACE_ID,
      status: 'captured',
      routedTo: null,
      createdAt: clock.iso(),
      routedAt: null,
      appliedAt: null,
      appliedChangeRef: null,
      attachments: [],
      version: 1,
    });
    const got = await service.app.inject({
      method: 'GET',
      url: `/v1/feedback/${body.id}`,
      headers: reader(tenant),
    });
    expect(got.statusCode).toBe(200);
    expect(got.headers.etag).toBe('"1"');
    expect(got.json()).toEqual(body);
  });

  it('takes feedback from machines with the ingest scope alone (source agent by default)', async () => {
    const tenant = uniqueTenant('fb-ingest');
    const item = await postFeedback(service, tenant, {}, machine(tenant));
    expect(item.source).toBe('agent');
    const signal = await postFeedback(
      service,
      tenant,
      { source: 'runtime-signal', sourceId: 'canary-17' },
      machine(tenant),
    );
    expect(signal).toMatchObject({ source: 'runtime-signal', sourceId: 'canary-17' });
  });

  it.each([
    [{ ...SAMPLE, summary: '   ' }, 'feedback.summary_required'],
    [{ ...SAMPLE, summary: 's'.repeat(501) }, 'feedback.summary_too_long'],
    [{ ...SAMPLE, projectId: null }, 'feedback.attribution_required'],
    [{ ...SAMPLE, source: 'incident' }, 'feedback.source_id_required'],
    [{ ...SAMPLE, traceId: 'abc' }, 'trace.invalid_trace_id'],
  ])('refuses %j with 422 %s', async (payload, code) => {
    const tenant = uniqueTenant('fb-422');
    expectProblem(await post(tenant, payload), 422, code);
    expect(await listOf(service, tenant)).toEqual([]);
  });

  it.each([
    [{ ...SAMPLE, tenantId: 'other' }, 'body.tenantId'],
    [{ ...SAMPLE, category: 'security' }, 'body.category'],
    [{ ...SAMPLE, sentiment: undefined }, 'body.sentiment'],
    [{ ...SAMPLE, summary: 42 }, 'body.summary'],
  ])('refuses %j with 400 naming %s', async (payload, field) => {
    const res = await post(uniqueTenant('fb-400'), payload);
    expectProblem(res, 400, 'validation_failed');
    expect(res.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toContain(field);
  });
});

describe('Idempotency-Key', () => {
  it('answers a retry with the first result and creates nothing new', async () => {
    const tenant = uniqueTenant('fb-idem');
    const headers = { ...writer(tenant), 'idempotency-key': 'retry-1' };
    const first = await post(tenant, SAMPLE, headers);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    clock.advanceMinutes(1);
    const again = await post(tenant, { ...SAMPLE }, headers);
    expect(again.statusCode, again.body).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.json()).toEqual(first.json());
    expect(await listOf(service, tenant)).toHaveLength(1);
  });

  it('refuses the same key with a different body: 422 idempotency_key_reused', async () => {
    const tenant = uniqueTenant('fb-idem-diff');
    const headers = { ...writer(tenant), 'idempotency-key': 'k-2' };
    expect((await post(tenant, SAMPLE, headers)).statusCode).toBe(201);
    expectProblem(
      await post(tenant, { ...SAMPLE, summary: 'Something else' }, headers),
      422,
      'idempotency_key_reused',
    );
    // The defaulted source is part of what the request meant: a machine reusing a person's key.
    expectProblem(
      await post(tenant, SAMPLE, { ...machine(tenant), 'idempotency-key': 'k-2' }),
      422,
      'idempotency_key_reused',
    );
    expect((await listOf(service, tenant)).map((i) => i.summary)).toEqual([SAMPLE.summary]);
  });

  it('scopes keys per tenant: the same key in another tenant creates its own item', async () => {
    const a = uniqueTenant('fb-idem-a');
    const b = uniqueTenant('fb-idem-b');
    const first = await post(a, SAMPLE, { ...writer(a), 'idempotency-key': 'shared' });
    const second = await post(b, SAMPLE, { ...writer(b), 'idempotency-key': 'shared' });
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.json<FeedbackBody>().id).not.toBe(first.json<FeedbackBody>().id);
    expect(second.json<FeedbackBody>().tenantId).toBe(b);
  });

  it('creates exactly one item for concurrent requests with the same key', async () => {
    const tenant = uniqueTenant('fb-idem-race');
    const headers = { ...writer(tenant), 'idempotency-key': 'race' };
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => post(tenant, SAMPLE, headers)),
    );
    expect(answers.map((a) => a.statusCode)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(answers.map((a) => a.json<FeedbackBody>().id)).size).toBe(1);
    expect(await listOf(service, tenant)).toHaveLength(1);
  });

  it('does not remember a refused request: the key works once the body is fixed', async () => {
    const tenant = uniqueTenant('fb-idem-fix');
    const headers = { ...writer(tenant), 'idempotency-key': 'fix-me' };
    expectProblem(
      await post(tenant, { ...SAMPLE, summary: ' ' }, headers),
      422,
      'feedback.summary_required',
    );
    const fixed = await post(tenant, SAMPLE, headers);
    expect(fixed.statusCode).toBe(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
  });

  it('forgets keys after the TTL (the purge job)', async () => {
    const tenant = uniqueTenant('fb-idem-ttl');
    const headers = { ...writer(tenant), 'idempotency-key': 'old' };
    const first = await post(tenant, SAMPLE, headers);
    clock.advanceMinutes(25 * 60);
    await service.jobs.get('idempotency-purge')!.runOnce();
    const later = await post(tenant, SAMPLE, headers);
    expect(later.statusCode).toBe(201);
    expect(later.json<FeedbackBody>().id).not.toBe(first.json<FeedbackBody>().id);
  });

  it('refuses a malformed key with 400', async () => {
    const tenant = uniqueTenant('fb-idem-bad');
    const res = await post(tenant, SAMPLE, { ...writer(tenant), 'idempotency-key': 'a b' });
    expectProblem(res, 400, 'validation_failed');
  });
});

describe('workflow: route, apply, summary', () => {
  it('routes, then applies with a change reference; the summary is frozen once routed', async () => {
    const tenant = uniqueTenant('fb-flow');
    const item = await postFeedback(service, tenant);
    const edit = (summary: string) =>
      service.app.inject({
        method: 'PATCH',
        url: `/v1/feedback/${item.id}`,
        headers: writer(tenant),
        payload: { summary },
      });
    const edited = await edit('Checkout p95 above 2 s');
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json<FeedbackBody>()).toMatchObject({
      summary: 'Checkout p95 above 2 s',
      version: 2,
    });

    clock.advanceMinutes(5);
    const routed = await runVerb(service, tenant, item.id, 'route', { to: 'team-payments' });
    expect(routed.statusCode, routed.body).toBe(200);
    expect(routed.headers.etag).toBe('"3"');
    expect(routed.json<FeedbackBody>()).toMatchObject({
      status: 'routed',
      routedTo: 'team-payments',
      routedAt: clock.iso(),
    });
    expectProblem(await edit('Too late'), 422, 'feedback.summary_immutable');
    expectProblem(
      await runVerb(service, tenant, item.id, 'apply', { changeRef: '  ' }),
      422,
      'feedback.change_ref_required',
    );

    clock.advanceMinutes(60);
    const applied = await runVerb(service, tenant, item.id, 'apply', {
      changeRef: 'github:acme/checkout#1432',
    });
    expect(applied.statusCode, applied.body).toBe(200);
    expect(applied.json<FeedbackBody>()).toMatchObject({
      status: 'applied',
      appliedAt: clock.iso(),
      appliedChangeRef: 'github:acme/checkout#1432',
      summary: 'Checkout p95 above 2 s',
      version: 4,
    });
    expectProblem(await edit('Still too late'), 422, 'feedback.summary_immutable');
    expectProblem(
      await runVerb(service, tenant, item.id, 'route'),
      422,
      'feedback.invalid_transition',
    );
  });

  it('refuses apply before route, and a stale If-Match with 409', async () => {
    const tenant = uniqueTenant('fb-flow-409');
    const item = await postFeedback(service, tenant);
    expectProblem(
      await runVerb(service, tenant, item.id, 'apply'),
      422,
      'feedback.invalid_transition',
    );
    const stale = await service.app.inject({
      method: 'POST',
      url: `/v1/feedback/${item.id}/route`,
      headers: { ...writer(tenant), 'if-match': '"7"' },
      payload: { to: 'team-a' },
    });
    expectProblem(stale, 409, 'version_conflict');
    const fresh = await service.app.inject({
      method: 'POST',
      url: `/v1/feedback/${item.id}/route`,
      headers: { ...writer(tenant), 'if-match': '"1"' },
      payload: { to: 'team-a' },
    });
    expect(fresh.statusCode).toBe(200);
  });
});

describe('GET /v1/feedback (filters and paging)', () => {
  const tenant = uniqueTenant('fb-list');
  const created: FeedbackBody[] = [];
  beforeAll(async () => {
    const bodies = [
      { projectId: 'a', category: 'cost', sentiment: 'negative' },
      { projectId: 'a', artifactId: 'art-1', category: 'reliability', sentiment: 'neutral' },
      { projectId: 'b', category: 'cost', sentiment: 'positive' },
      { projectId: null, artifactId: 'art-1', category: 'correctness', sentiment: 'negative' },
      { projectId: 'b', category: 'maintainability', sentiment: 'negative' },
    ];
    for (const body of bodies) {
      clock.advanceMinutes(1);
      created.push(await postFeedback(service, tenant, body));
    }
    // Each item a minute apart: equal createdAt would order by id (random), not by creation.
    clock.advanceMinutes(1);
    created.push(await postFeedback(service, tenant, { projectId: 'a' }, machine(tenant)));
    expect((await runVerb(service, tenant, created[1]!.id, 'route')).statusCode).toBe(200);
  });
  const ids = (items: FeedbackBody[]) => items.map((i) => i.id);
  const newestFirst = (picked: number[]) => picked.map((i) => created[i]!.id).reverse();

  it.each([
    ['?projectId=a', [0, 1, 5]],
    ['?artifactId=art-1', [1, 3]],
    ['?category=cost', [0, 2]],
    ['?sentiment=negative', [0, 3, 4, 5]],
    ['?source=agent', [5]],
    ['?status=routed', [1]],
    ['?projectId=a&category=cost', [0]],
  ])('filters %s', async (query, picked) => {
    expect(ids(await listOf(service, tenant, query))).toEqual(newestFirst(picked));
  });

  it('filters by time: createdAt in [from, to)', async () => {
    const from = created[1]!.createdAt;
    const to = created[3]!.createdAt;
    expect(ids(await listOf(service, tenant, `?from=${from}&to=${to}`))).toEqual(
      newestFirst([1, 2]),
    );
    expect(await listOf(service, tenant, `?from=${to}&to=${from}`)).toEqual([]);
  });

  it('pages with an opaque keyset cursor, newest first, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/feedback?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await service.app.inject({
        method: 'GET',
        url,
        headers: reader(tenant),
      });
      expect(res.statusCode).toBe(200);
      const page: { items: FeedbackBody[]; nextCursor: string | null } = res.json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...ids(page.items));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(newestFirst([0, 1, 2, 3, 4, 5]));
  });

  it.each([
    ['?category=security', 'querystring.category'],
    ['?status=done', 'querystring.status'],
    ['?from=yesterday', 'querystring.from'],
    ['?limit=0', 'querystring.limit'],
    ['?cursor=abc', 'querystring.cursor'],
  ])('refuses the malformed filter %s with 400', async (query, field) => {
    const res = await service.app.inject({
      method: 'GET',
      url: `/v1/feedback${query}`,
      headers: reader(tenant),
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toContain(field);
  });
});

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document with multipart and binary content documented', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content: Record<string, unknown> };
            responses: Record<string, { content?: Record<string, unknown> }>;
          }
        >
      >;
    }>();
    const result = await new Validator().validate(doc);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    expect(result.valid).toBe(true);
    const upload = doc.paths['/v1/feedback/{id}/attachments']!.post!;
    expect(Object.keys(upload.requestBody!.content)).toEqual(['multipart/form-data']);
    expect(Object.keys(upload.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '404', '413', '415', '422']),
    );
    const download = doc.paths['/v1/feedback/{id}/attachments/{attachmentId}']!.get!;
    expect(Object.keys(download.responses['200']!.content!)).toContain('image/png');
    expect(doc.paths['/v1/feedback:export']!.post!.responses['202']).toBeDefined();
    const exportDownload = doc.paths['/v1/feedback/exports/{id}/download']!.get!;
    expect(Object.keys(exportDownload.responses['200']!.content!)).toEqual([
      'application/x-ndjson',
    ]);
  });
});
