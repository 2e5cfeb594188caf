import type { RunningService } from '@obs/service-kit';
import {
  bearer,
  expectProblem,
  fuzzWriteRoutes,
  TestClock,
  type TopicReader,
} from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertsOf,
  baseMinute,
  createP95Rule,
  createReceiver,
  MINUTE,
  openAlerts,
  startAlertRuleService,
  uniqueTenant,
  waitUntil,
  windowMessage,
} from '../../test/alert-rule-test-kit.js';

const clock = new TestClock(Date.now());
let service: RunningService;
let alerts: TopicReader;

beforeAll(async () => {
  service = await startAlertRuleService({ runJobs: false, clock: clock.now });
  alerts = await openAlerts(service);
});
afterAll(async () => {
  await alerts.close();
  await service.close();
});

const URL = '/v1/inhibition-rules';
const ruleBody = (extra: Record<string, unknown> = {}) => ({
  sourceMatchers: [{ name: 'severity', operator: '=', value: 'critical' }],
  targetMatchers: [{ name: 'severity', operator: '=~', value: 'high|medium' }],
  equal: ['service'],
  comment: 'an outage mutes the warnings of the same service',
  ...extra,
});
type Headers = Record<string, string>;
const create = (headers: Headers, payload: Record<string, unknown>) =>
  service.app.inject({ method: 'POST', url: URL, headers, payload });
const get = (headers: Headers, id: string) =>
  service.app.inject({ method: 'GET', url: `${URL}/${id}`, headers });
const replace = (headers: Headers, id: string, payload: Record<string, unknown>) =>
  service.app.inject({ method: 'PUT', url: `${URL}/${id}`, headers, payload });
const remove = (headers: Headers, id: string) =>
  service.app.inject({ method: 'DELETE', url: `${URL}/${id}`, headers });
const list = async (headers: Headers) =>
  (await service.app.inject({ method: 'GET', url: URL, headers })).json<{
    items: { id: string }[];
  }>().items;

describe('inhibition rules API', () => {
  it('creates, reads, replaces (version and ETag move only on change), lists and deletes', async () => {
    const auth = bearer(uniqueTenant('inhibit'), ['read', 'write']);
    const res = await create(auth, ruleBody());
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json<{ id: string }>();
    expect(res.headers.location).toBe(`${URL}/${created.id}`);
    expect(created).toMatchObject({ ...ruleBody(), version: 1 });
    expect((await get(auth, created.id)).headers.etag).toBe('"1"');

    const same = await replace(auth, created.id, ruleBody());
    expect(same.json()).toMatchObject({ version: 1 });
    const changed = await replace(auth, created.id, ruleBody({ equal: ['service', 'region'] }));
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ version: 2, equal: ['service', 'region'] });
    // Absent equal and comment: any source mutes every target; no comment.
    clock.nowMs += 1_000;
    const bare = await create(auth, {
      sourceMatchers: ruleBody().sourceMatchers,
      targetMatchers: ruleBody().targetMatchers,
    });
    expect(bare.json()).toMatchObject({ equal: [], comment: '' });

    expect((await list(auth)).map((r) => r.id)).toEqual([
      bare.json<{ id: string }>().id,
      created.id,
    ]);
    expect((await remove(auth, created.id)).statusCode).toBe(204);
    expectProblem(await get(auth, created.id), 404, 'not_found');
  });

  it('answers 400 naming the field for a bad shape and 422 for a refused matcher', async () => {
    const auth = bearer(uniqueTenant('inhibit'), ['read', 'write']);
    const matcher = (operator: string, value: string) => [{ name: 'service', operator, value }];
    const bad = expectProblem(
      await create(auth, ruleBody({ sourceMatchers: matcher('~', 'x') })),
      400,
      'validation_failed',
    );
    expect(JSON.stringify(bad)).toContain('sourceMatchers');
    const noTarget = expectProblem(
      await create(auth, ruleBody({ targetMatchers: [] })),
      400,
      'validation_failed',
    );
    expect(JSON.stringify(noTarget)).toContain('targetMatchers');
    const equal = expectProblem(
      await create(auth, ruleBody({ equal: [' '] })),
      400,
      'validation_failed',
    );
    expect(JSON.stringify(equal)).toContain('equal');
    expectProblem(await create(auth, ruleBody({ extra: 1 })), 400, 'validation_failed');
    expectProblem(
      await create(auth, ruleBody({ targetMatchers: matcher('=~', '(a+)+$') })),
      422,
      'silence.unbounded_regex',
    );
    expectProblem(
      await create(auth, ruleBody({ sourceMatchers: matcher('=~', '.*') })),
      422,
      'silence.matches_everything',
    );
  });

  it("answers 404 for another tenant's rule and lists it nothing", async () => {
    const owner = bearer(uniqueTenant('inhibit'), ['read', 'write']);
    const other = bearer(uniqueTenant('intruder'), ['read', 'write']);
    const id = (await create(owner, ruleBody())).json<{ id: string }>().id;
    expectProblem(await get(other, id), 404, 'not_found');
    expectProblem(await replace(other, id, ruleBody()), 404, 'not_found');
    expectProblem(await remove(other, id), 404, 'not_found');
    expect(await list(other)).toEqual([]);
    expect((await get(owner, id)).statusCode).toBe(200);
  });

  it('never answers 5xx to random bodies on the inhibition rule routes (fuzz)', async () => {
    const auth = bearer(uniqueTenant('inhibit'), ['read', 'write']);
    const id = (await create(auth, ruleBody())).json<{ id: string }>().id;
    const report = await fuzzWriteRoutes(service.app, {
      headers: auth,
      pathParams: { id },
      runsPerRoute: 60,
    });
    expect(report.routes).toEqual(expect.arrayContaining([`POST ${URL}`, `PUT ${URL}/{id}`]));
  });
});

describe('an inhibited alert', () => {
  it('fires muted (inhibitedBy, no actions, no notification) while a matching source fires; another service is not muted', async () => {
    const tenant = uniqueTenant('inhibited');
    const auth = bearer(tenant, ['read', 'write']);
    const receiver = await createReceiver(service, auth, 'http://127.0.0.1:9/hook');
    const inhibition = (await create(auth, ruleBody())).json<{ id: string }>();
    const actions = [
      { type: 'webhook', target: receiver.id, groupWaitSeconds: 0 },
      { type: 'incident', target: 'payments-oncall' },
    ];
    // The source: a critical rule on its own metric, firing for payments-api only.
    const outage = await createP95Rule(service, tenant, 'db.up', 0, { actions });
    const start = baseMinute();
    for (let minute = 0; minute < 4; minute += 1) {
      await service.ctx.bus.publish([
        windowMessage({
          tenantId: tenant,
          metric: 'db.up',
          start: start + minute * MINUTE,
          p95: 900,
        }),
      ]);
    }
    await waitUntil(
      () => Promise.resolve(alertsOf(alerts, tenant, outage).length > 0),
      'the source alert',
    );
    expect(alertsOf(alerts, tenant, outage)[0]?.payload.inhibitedBy).toBeUndefined();

    // The targets: a high-severity rule firing for payments-api (muted) and orders-api (not).
    const latency = await createP95Rule(service, tenant, 'http.server.duration', 0, {
      severity: 'high',
      actions,
    });
    for (let minute = 0; minute < 4; minute += 1) {
      for (const svc of ['payments-api', 'orders-api']) {
        await service.ctx.bus.publish([
          windowMessage({
            tenantId: tenant,
            metric: 'http.server.duration',
            start: start + minute * MINUTE,
            p95: 900,
            group: { service: svc },
          }),
        ]);
      }
    }
    await waitUntil(
      () => Promise.resolve(alertsOf(alerts, tenant, latency).length >= 2),
      'both target alerts',
    );
    const byService = new Map(
      alertsOf(alerts, tenant, latency).map((e) => [e.payload.group.service, e.payload]),
    );
    expect(byService.get('payments-api')).toMatchObject({
      inhibitedBy: [inhibition.id],
      actions: [],
    });
    expect(byService.get('payments-api')?.silenced).toBeUndefined();
    expect(byService.get('orders-api')?.inhibitedBy).toBeUndefined();
    expect(byService.get('orders-api')?.actions).toHaveLength(2);

    // What the receiver is owed for the latency rule names orders-api only.
    const owed = await service.ctx.dataSource.query<{ services: string[] }[]>(
      `SELECT array(SELECT a->'labels'->>'service' FROM jsonb_array_elements(payload->'alerts') a) AS services
         FROM ${service.ctx.table('notifications')} WHERE tenant_id = $1 AND alert_rule_id = $2`,
      [tenant, latency],
    );
    expect(owed.flatMap((n) => n.services)).toEqual(['orders-api']);
  });
});
