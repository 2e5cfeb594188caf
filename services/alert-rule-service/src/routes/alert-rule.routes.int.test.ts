import type { RunningService } from '@obs/service-kit';
import { bearer, expectProblem, fuzzWriteRoutes } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ruleBody,
  seedMetric,
  startAlertRuleService,
  uniqueTenant,
} from '../../test/alert-rule-test-kit.js';

const tenant = uniqueTenant('rules');
const auth = bearer(tenant, ['read', 'write']);
const metric = 'http.server.duration';
let service: RunningService;

beforeAll(async () => {
  service = await startAlertRuleService({ runConsumers: true });
  await seedMetric(service, auth, tenant, metric);
});
afterAll(async () => {
  await service.close();
});

const create = (body: Record<string, unknown>) =>
  service.app.inject({ method: 'POST', url: '/v1/alert-rules', headers: auth, payload: body });

describe('alert rules API', () => {
  it('creates a rule: 201, Location, ETag and the whole rule', async () => {
    const body = ruleBody(metric);
    const res = await create(body);
    expect(res.statusCode, res.body).toBe(201);
    const rule = res.json<{ id: string; version: number; enabled: boolean; name: string }>();
    expect(res.headers.location).toBe(`/v1/alert-rules/${rule.id}`);
    expect(res.headers.etag).toBe('"1"');
    expect(rule).toMatchObject({
      name: body.name,
      version: 1,
      enabled: true,
      condition: { metric, groupBy: ['service'], forMinutes: 3 },
    });
  });

  it('names the window size the rule evaluates: 1m unless told, and one of 1m/5m/1h/1d', async () => {
    const fallback = (await create(ruleBody(metric))).json<{ condition: { window: string } }>();
    expect(fallback.condition.window).toBe('1m');
    const body = ruleBody(metric);
    const hourly = await create({
      ...body,
      condition: { ...(body.condition as object), window: '1h' },
    });
    expect(hourly.statusCode, hourly.body).toBe(201);
    const { id } = hourly.json<{ id: string }>();
    const read = await service.app.inject({
      method: 'GET',
      url: `/v1/alert-rules/${id}`,
      headers: auth,
    });
    expect(read.json()).toMatchObject({ condition: { window: '1h' } });
    const state = await service.app.inject({
      method: 'GET',
      url: `/v1/alert-rules/${id}/state`,
      headers: auth,
    });
    expect(state.json()).toEqual({
      alertRuleId: id,
      enabled: true,
      window: '1h',
      lateWindows: 0,
      groups: [],
    });
    const invalid = expectProblem(
      await create({ ...body, condition: { ...(body.condition as object), window: '2m' } }),
      400,
      'validation_failed',
    );
    expect((invalid.errors as { field: string }[]).map((e) => e.field)).toContain(
      'body.condition.window',
    );
  });

  it('reads a rule stored before conditions named a window as a 1m rule', async () => {
    const { id } = (await create(ruleBody(metric))).json<{ id: string }>();
    // As rows were written before: the jsonb condition without `window`.
    await service.ctx.dataSource.query(
      `UPDATE ${service.ctx.table('alert_rules')} SET condition = condition - 'window' WHERE id = $1`,
      [id],
    );
    const [row] = await service.ctx.dataSource.query<{ condition: Record<string, unknown> }[]>(
      `SELECT condition FROM ${service.ctx.table('alert_rules')} WHERE id = $1`,
      [id],
    );
    expect(row?.condition).not.toHaveProperty('window');
    const read = await service.app.inject({
      method: 'GET',
      url: `/v1/alert-rules/${id}`,
      headers: auth,
    });
    expect(read.json()).toMatchObject({ condition: { metric, window: '1m' } });
  });

  it('refuses a rule on a metric the tenant does not report (422), resolved upstream', async () => {
    const problem = expectProblem(
      await create(ruleBody('no.such.metric')),
      422,
      'alert_rule.metric_unresolvable',
    );
    expect(problem.detail).toContain('allowUnresolved');
  });

  it("resolves with the caller's token: another tenant's metric does not resolve", async () => {
    const stranger = uniqueTenant('stranger');
    const strangerAuth = bearer(stranger, ['read', 'write']);
    await seedMetric(service, strangerAuth, stranger, 'stranger.only');
    expectProblem(await create(ruleBody('stranger.only')), 422, 'alert_rule.metric_unresolvable');
    const own = await service.app.inject({
      method: 'POST',
      url: '/v1/alert-rules',
      headers: strangerAuth,
      payload: ruleBody('stranger.only'),
    });
    expect(own.statusCode, own.body).toBe(201);
  });

  it('accepts an unseen metric with ?allowUnresolved=true, on create and on replace', async () => {
    const created = await service.app.inject({
      method: 'POST',
      url: '/v1/alert-rules?allowUnresolved=true',
      headers: auth,
      payload: ruleBody('not.yet.reported'),
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<{ id: string }>().id;
    const replace = (query: string) =>
      service.app.inject({
        method: 'PUT',
        url: `/v1/alert-rules/${id}${query}`,
        headers: auth,
        payload: ruleBody('still.not.reported'),
      });
    expectProblem(await replace(''), 422, 'alert_rule.metric_unresolvable');
    expect((await replace('?allowUnresolved=true')).statusCode).toBe(200);
    expectProblem(await replace('?allowUnresolved=maybe'), 400, 'validation_failed');
  });

  it('answers 503 when the metric catalogue is unreachable, and creates nothing', async () => {
    const isolated = await startAlertRuleService({
      config: { metricServiceUrl: 'http://127.0.0.1:9' },
      runConsumers: false,
    });
    try {
      const res = await isolated.app.inject({
        method: 'POST',
        url: '/v1/alert-rules',
        headers: auth,
        payload: ruleBody(metric),
      });
      expectProblem(res, 503, 'upstream_unavailable');
      const list = await isolated.app.inject({
        method: 'GET',
        url: '/v1/alert-rules',
        headers: auth,
      });
      expect(list.json<{ items: { condition: { metric: string } }[] }>().items.length).toBe(
        (await service.app.inject({ method: 'GET', url: '/v1/alert-rules', headers: auth })).json<{
          items: unknown[];
        }>().items.length,
      );
    } finally {
      await isolated.close();
    }
  });

  it('refuses what the schema states with 400 naming the field: a negative forMinutes, a blank name, U+0000', async () => {
    const body = ruleBody(metric, {
      condition: { metric, aggregation: 'p95', operator: 'gt', threshold: 1, forMinutes: -1 },
    });
    const problem = expectProblem(await create(body), 400, 'validation_failed');
    expect((problem.errors as { field: string }[]).map((e) => e.field)).toEqual([
      'body.condition.forMinutes',
    ]);
    const blank = expectProblem(
      await create(ruleBody(metric, { name: ' \t ' })),
      400,
      'validation_failed',
    );
    expect((blank.errors as { field: string }[]).map((e) => e.field)).toEqual(['body.name']);
    // PostgreSQL cannot store U+0000: the schema refuses it rather than the database.
    const nul = expectProblem(
      await create(ruleBody(metric, { scope: { projectId: 'check\u0000out' } })),
      400,
      'validation_failed',
    );
    expect((nul.errors as { field: string }[]).map((e) => e.field)).toEqual([
      'body.scope.projectId',
    ]);
  });

  it('refuses what only the domain can judge with 422 and the invariant code', async () => {
    const base = ruleBody(metric);
    const condition = { ...(base.condition as object), groupBy: ['service', 'service'] };
    expectProblem(await create({ ...base, condition }), 422, 'alert_rule.invalid_group_by');
    const webhook = { type: 'webhook', target: 'not a url' };
    expectProblem(await create({ ...base, actions: [webhook] }), 422, 'alert_rule.invalid_action');
    const page = { type: 'incident', target: 'payments-oncall' };
    expectProblem(
      await create({ ...base, actions: [page, page] }),
      422,
      'alert_rule.duplicate_action',
    );
  });

  it('keeps names unique per tenant and scope, case-insensitively', async () => {
    const body = ruleBody(metric, { name: `Latency ${Date.now()}` });
    expect((await create(body)).statusCode).toBe(201);
    expectProblem(
      await create({ ...body, name: String(body.name).toUpperCase() }),
      409,
      'alert_rule.name_not_unique',
    );
    expect((await create({ ...body, scope: { projectId: 'billing' } })).statusCode).toBe(201);
    expect(
      (
        await service.app.inject({
          method: 'POST',
          url: '/v1/alert-rules',
          headers: bearer(uniqueTenant('x'), ['write']),
          payload: body,
        })
      ).statusCode,
    ).toBe(422); // another tenant: the metric is unknown there
  });

  it('replaces with If-Match: current answers 200 with version+1, stale answers 409', async () => {
    const rule = (await create(ruleBody(metric))).json<{ id: string }>();
    const next = ruleBody(metric, { severity: 'high' });
    const ok = await service.app.inject({
      method: 'PUT',
      url: `/v1/alert-rules/${rule.id}`,
      headers: { ...auth, 'if-match': '"1"' },
      payload: next,
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ version: 2, severity: 'high' });
    const stale = await service.app.inject({
      method: 'PUT',
      url: `/v1/alert-rules/${rule.id}`,
      headers: { ...auth, 'if-match': '"1"' },
      payload: next,
    });
    expectProblem(stale, 409, 'version_conflict');
  });

  it('keeps version and updatedAt for a replacement that changes nothing', async () => {
    type Rule = { id: string; version: number; createdAt: string; updatedAt: string };
    const body = ruleBody(metric);
    const created = (await create(body)).json<Rule>();
    const put = (payload: Record<string, unknown>) =>
      service.app.inject({
        method: 'PUT',
        url: `/v1/alert-rules/${created.id}`,
        headers: auth,
        payload,
      });
    const same = await put(body);
    expect(same.statusCode, same.body).toBe(200);
    expect(same.headers.etag).toBe('"1"');
    expect(same.json()).toEqual(created);
    const changed = await put({ ...body, severity: 'info' });
    expect(changed.headers.etag).toBe('"2"');
    const rule = changed.json<Rule>();
    expect(rule).toMatchObject({ version: 2, severity: 'info', createdAt: created.createdAt });
    expect(Date.parse(rule.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
    const read = await service.app.inject({
      method: 'GET',
      url: `/v1/alert-rules/${created.id}`,
      headers: auth,
    });
    expect(read.headers.etag).toBe('"2"');
    expect(read.json()).toEqual(rule);
  });

  it('serves more concurrent replacements than the pool has connections', async () => {
    // Each PUT holds its row's transaction while it looks up names and metrics; the lookups must
    // use that connection, or twenty waiting PUTs starve each other of the pool's ten for good.
    const ids: string[] = [];
    for (let i = 0; i < 20; i += 1)
      ids.push((await create(ruleBody(metric))).json<{ id: string }>().id);
    const replaced = await Promise.all(
      ids.map((id) =>
        service.app.inject({
          method: 'PUT',
          url: `/v1/alert-rules/${id}`,
          headers: auth,
          payload: ruleBody(metric, { severity: 'info' }),
        }),
      ),
    );
    expect(replaced.map((res) => res.statusCode)).toEqual(ids.map(() => 200));
  });

  it('enables and disables idempotently, and deletes', async () => {
    const rule = (await create(ruleBody(metric))).json<{ id: string }>();
    const post = (verb: string) =>
      service.app.inject({
        method: 'POST',
        url: `/v1/alert-rules/${rule.id}/${verb}`,
        headers: auth,
      });
    expect((await post('disable')).json()).toMatchObject({ enabled: false, version: 2 });
    expect((await post('disable')).json()).toMatchObject({ enabled: false, version: 2 });
    expect((await post('enable')).json()).toMatchObject({ enabled: true, version: 3 });
    expect(
      (
        await service.app.inject({
          method: 'DELETE',
          url: `/v1/alert-rules/${rule.id}`,
          headers: auth,
        })
      ).statusCode,
    ).toBe(204);
    expectProblem(
      await service.app.inject({ method: 'GET', url: `/v1/alert-rules/${rule.id}`, headers: auth }),
      404,
      'not_found',
    );
  });

  it('lists with filters and cursor paging', async () => {
    const own = bearer(uniqueTenant('list'), ['read', 'write']);
    const tenantId = JSON.parse(
      Buffer.from(own.authorization.split('.')[1] ?? '', 'base64url').toString(),
    ) as { tenantId: string };
    await seedMetric(service, own, tenantId.tenantId, metric);
    for (const severity of ['info', 'high', 'high']) {
      const res = await service.app.inject({
        method: 'POST',
        url: '/v1/alert-rules',
        headers: own,
        payload: ruleBody(metric, { severity }),
      });
      expect(res.statusCode).toBe(201);
    }
    const first = (
      await service.app.inject({ method: 'GET', url: '/v1/alert-rules?limit=2', headers: own })
    ).json<{ items: unknown[]; nextCursor: string }>();
    expect(first.items).toHaveLength(2);
    // A keyset position: created_at in epoch ms and the id of the last rule served.
    expect(first.nextCursor).toMatch(/^\d+\.[0-9a-f-]{36}$/);
    expectProblem(
      await service.app.inject({ method: 'GET', url: '/v1/alert-rules?cursor=abc', headers: own }),
      400,
      'invalid_cursor',
    );
    const second = (
      await service.app.inject({
        method: 'GET',
        url: `/v1/alert-rules?limit=2&cursor=${first.nextCursor}`,
        headers: own,
      })
    ).json<{ items: unknown[]; nextCursor: null }>();
    expect(second).toMatchObject({ nextCursor: null });
    expect(second.items).toHaveLength(1);
    const high = (
      await service.app.inject({
        method: 'GET',
        url: '/v1/alert-rules?severity=high&enabled=true',
        headers: own,
      })
    ).json<{ items: unknown[] }>();
    expect(high.items).toHaveLength(2);
    const none = (
      await service.app.inject({ method: 'GET', url: '/v1/alert-rules?metric=other', headers: own })
    ).json<{ items: unknown[] }>();
    expect(none.items).toHaveLength(0);
  });

  it('answers 400 for malformed JSON and unknown fields, 413 for an oversized body', async () => {
    const malformed = await service.app.inject({
      method: 'POST',
      url: '/v1/alert-rules',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expectProblem(malformed, 400, 'malformed_request');
    const unknown = expectProblem(
      await create({ ...ruleBody(metric), owner: 'me' }),
      400,
      'validation_failed',
    );
    expect((unknown.errors as { field: string }[]).map((e) => e.field)).toContain('body.owner');
    const huge = await service.app.inject({
      method: 'POST',
      url: '/v1/alert-rules',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ ...ruleBody(metric), name: 'x'.repeat(2_000_000) }),
    });
    expectProblem(huge, 413, 'body_too_large');
  });

  it('never answers 5xx to random bodies on any write route (fuzz)', async () => {
    const rule = (await create(ruleBody(metric))).json<{ id: string }>();
    const report = await fuzzWriteRoutes(service.app, {
      headers: auth,
      pathParams: { id: rule.id },
      runsPerRoute: 60,
    });
    expect(report.routes).toEqual(
      expect.arrayContaining(['POST /v1/alert-rules', 'PUT /v1/alert-rules/{id}']),
    );
    expect(report.statuses[400] ?? 0).toBeGreaterThan(0);
    expect(report.statuses[422] ?? 0).toBeGreaterThan(0);
  });
});
