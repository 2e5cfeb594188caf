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
  createReceiver,
  fireRule,
  listNotifications,
  openAlerts,
  startAlertRuleService,
  uniqueTenant,
  waitUntil,
} from '../../test/alert-rule-test-kit.js';

const HOUR = 3_600_000;
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

const iso = (offsetMs: number) => new Date(clock.nowMs + offsetMs).toISOString();
const silenceBody = (extra: Record<string, unknown> = {}) => ({
  matchers: [{ name: 'service', operator: '=', value: 'payments-api' }],
  endsAt: iso(2 * HOUR),
  comment: 'payments deployment',
  ...extra,
});
const create = (headers: Record<string, string>, payload: Record<string, unknown>) =>
  service.app.inject({ method: 'POST', url: '/v1/silences', headers, payload });
const get = (headers: Record<string, string>, id: string) =>
  service.app.inject({ method: 'GET', url: `/v1/silences/${id}`, headers });
const expire = (headers: Record<string, string>, id: string) =>
  service.app.inject({ method: 'DELETE', url: `/v1/silences/${id}`, headers });
const list = async (headers: Record<string, string>, query = '') =>
  (await service.app.inject({ method: 'GET', url: `/v1/silences${query}`, headers })).json<{
    items: { id: string; state: string }[];
  }>().items;

describe('silences API', () => {
  it('creates, lists by state, expires early with DELETE; an expired silence stays readable', async () => {
    const tenant = uniqueTenant('silences');
    const auth = bearer(tenant, ['read', 'write'], 'alice@example.com');
    const res = await create(auth, silenceBody({ startsAt: iso(-HOUR) }));
    expect(res.statusCode, res.body).toBe(201);
    const active = res.json<{ id: string }>();
    expect(res.headers.location).toBe(`/v1/silences/${active.id}`);
    // A start in the past is now; createdBy defaults to the token's subject.
    expect(active).toMatchObject({
      startsAt: iso(0),
      endsAt: iso(2 * HOUR),
      createdBy: 'alice@example.com',
      comment: 'payments deployment',
      state: 'active',
      version: 1,
      matchers: [{ name: 'service', operator: '=', value: 'payments-api' }],
    });
    const pending = (
      await create(auth, silenceBody({ startsAt: iso(HOUR), createdBy: 'bob' }))
    ).json<{ id: string; state: string; createdBy: string }>();
    expect(pending).toMatchObject({ state: 'pending', createdBy: 'bob' });

    expect((await list(auth, '?state=active')).map((s) => s.id)).toEqual([active.id]);
    expect((await list(auth, '?state=pending')).map((s) => s.id)).toEqual([pending.id]);
    expect(await list(auth, '?state=expired')).toEqual([]);

    expect((await expire(auth, active.id)).statusCode).toBe(204);
    const expired = await get(auth, active.id);
    expect(expired.statusCode).toBe(200);
    expect(expired.json()).toMatchObject({ state: 'expired', endsAt: iso(0), version: 2 });
    expect(expired.headers.etag).toBe('"2"');
    expectProblem(await expire(auth, active.id), 422, 'silence.already_expired');
    // Expiring a pending silence ends it before it began.
    expect((await expire(auth, pending.id)).statusCode).toBe(204);
    expect((await get(auth, pending.id)).json()).toMatchObject({
      state: 'expired',
      startsAt: iso(0),
      endsAt: iso(0),
    });
    expect((await list(auth, '?state=expired')).map((s) => s.id).sort()).toEqual(
      [active.id, pending.id].sort(),
    );
    expect(await list(auth)).toHaveLength(2);
  });

  it('answers 400 for a bad shape and 422 for a refused matcher or period', async () => {
    const auth = bearer(uniqueTenant('silences'), ['read', 'write']);
    const matcher = (operator: string, value: string, name = 'service') => ({
      matchers: [{ name, operator, value }],
    });
    expectProblem(await create(auth, silenceBody(matcher('~', 'x'))), 400, 'validation_failed');
    expectProblem(await create(auth, silenceBody({ matchers: [] })), 400, 'validation_failed');
    expectProblem(await create(auth, silenceBody({ comment: ' ' })), 400, 'validation_failed');
    expectProblem(await create(auth, silenceBody({ endsAt: 'soon' })), 400, 'validation_failed');
    expectProblem(await create(auth, silenceBody({ extra: 1 })), 400, 'validation_failed');
    expectProblem(
      await create(auth, silenceBody(matcher('=~', '(a+)+$'))),
      422,
      'silence.unbounded_regex',
    );
    expectProblem(
      await create(auth, silenceBody(matcher('=~', '(unclosed'))),
      422,
      'silence.invalid_regex',
    );
    expectProblem(
      await create(auth, silenceBody(matcher('=~', '.*'))),
      422,
      'silence.matches_everything',
    );
    expectProblem(
      await create(auth, silenceBody({ endsAt: iso(-60_000) })),
      422,
      'silence.ends_in_past',
    );
    expectProblem(
      await create(auth, silenceBody({ startsAt: iso(3 * HOUR) })),
      422,
      'silence.invalid_period',
    );
  });

  it("answers 404 for another tenant's silence and lists it nothing", async () => {
    const owner = bearer(uniqueTenant('silences'), ['read', 'write']);
    const other = bearer(uniqueTenant('intruder'), ['read', 'write']);
    const id = (await create(owner, silenceBody())).json<{ id: string }>().id;
    expectProblem(await get(other, id), 404, 'not_found');
    expectProblem(await expire(other, id), 404, 'not_found');
    expect(await list(other)).toEqual([]);
    expect((await get(owner, id)).json()).toMatchObject({ state: 'active' });
  });

  it('never answers 5xx to random bodies on the silence routes (fuzz)', async () => {
    const auth = bearer(uniqueTenant('silences'), ['read', 'write']);
    const id = (await create(auth, silenceBody())).json<{ id: string }>().id;
    const report = await fuzzWriteRoutes(service.app, {
      headers: auth,
      pathParams: { id },
      runsPerRoute: 60,
    });
    expect(report.routes).toEqual(expect.arrayContaining(['POST /v1/silences']));
  });
});

describe('a silenced alert', () => {
  it('keeps firing but sends nothing and carries silenced with no actions; a non-matching silence changes nothing', async () => {
    const tenant = uniqueTenant('silenced');
    const auth = bearer(tenant, ['read', 'write']);
    const receiver = await createReceiver(service, auth, 'http://127.0.0.1:9/hook');
    // Matches the rule's alert (its name by regex, its group); the other silence names another service.
    const matching = (
      await create(
        auth,
        silenceBody({
          matchers: [
            { name: 'alertname', operator: '=~', value: 'rule-.*' },
            { name: 'service', operator: '=', value: 'payments-api' },
            { name: 'severity', operator: '!=', value: 'info' },
          ],
        }),
      )
    ).json<{ id: string }>();
    await create(
      auth,
      silenceBody({ matchers: [{ name: 'service', operator: '=', value: 'orders-api' }] }),
    );
    const ruleId = await fireRule(service, tenant, [receiver.id]);
    await waitUntil(
      () => Promise.resolve(alertsOf(alerts, tenant, ruleId).length > 0),
      'the AlertTriggered',
    );
    const [fired] = alertsOf(alerts, tenant, ruleId);
    expect(fired?.payload).toMatchObject({
      alertRuleId: ruleId,
      silenced: true,
      silencedBy: [matching.id],
      actions: [],
    });
    // The alert's state is real: the rule's state shows it firing.
    const state = await service.app.inject({
      method: 'GET',
      url: `/v1/alert-rules/${ruleId}/state`,
      headers: auth,
    });
    expect(state.json()).toMatchObject({ groups: [expect.objectContaining({ status: 'firing' })] });
    expect(await listNotifications(service, auth)).toEqual([]);
  });

  it('is not silenced by an expired silence: it notifies and carries its actions', async () => {
    const tenant = uniqueTenant('unsilenced');
    const auth = bearer(tenant, ['read', 'write']);
    const receiver = await createReceiver(service, auth, 'http://127.0.0.1:9/hook');
    const silence = (await create(auth, silenceBody())).json<{ id: string }>();
    expect((await expire(auth, silence.id)).statusCode).toBe(204);
    const ruleId = await fireRule(service, tenant, [receiver.id]);
    await waitUntil(
      async () => (await listNotifications(service, auth)).length > 0,
      'a notification',
    );
    const [fired] = alertsOf(alerts, tenant, ruleId);
    expect(fired?.payload.silenced).toBeUndefined();
    expect(fired?.payload.actions).toEqual([{ type: 'webhook', target: receiver.id }]);
  });
});
