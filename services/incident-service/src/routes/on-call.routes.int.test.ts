import type { RunningService } from '@obs/service-kit';
import { expectProblem, fuzzWriteRoutes, TestClock } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openManual,
  reader,
  startIncidentService,
  uniqueTenant,
  writer,
} from '../../test/incident-test-kit.js';

const clock = new TestClock(Date.parse('2024-03-30T12:00:00.000Z'));
let service: RunningService;
const tenant = uniqueTenant('on-call');

beforeAll(async () => {
  service = await startIncidentService({ clock, runConsumers: false });
});
afterAll(async () => {
  await service.close();
});

const send = (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = writer(tenant),
) =>
  service.app.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });

const RECEIVER = '6f1c2a8e-3d4b-4c5a-9e7f-0a1b2c3d4e5f';
const layer = {
  name: 'primary',
  members: ['alice', 'bob', 'carol'],
  rotationLength: 1,
  rotationUnit: 'days',
  startDate: '2024-03-29',
  handoffTime: '09:00',
  timeZone: 'Europe/Berlin',
};
const scheduleBody = (extra: Record<string, unknown> = {}) => ({
  name: `schedule-${crypto.randomUUID().slice(0, 8)}`,
  layers: [layer],
  ...extra,
});
const policyBody = (extra: Record<string, unknown> = {}) => ({
  name: `policy-${crypto.randomUUID().slice(0, 8)}`,
  steps: [{ delayMinutes: 0, receiverIds: [RECEIVER] }],
  ...extra,
});

interface Schedule {
  id: string;
  name: string;
  version: number;
}
interface Policy {
  id: string;
  name: string;
  version: number;
  steps: { delayMinutes: number; receiverIds: string[]; scheduleIds: string[] }[];
}

describe('/v1/schedules', () => {
  it('creates a schedule and answers who is on call at an instant, across DST, with overrides', async () => {
    const created = await send(
      'POST',
      '/v1/schedules',
      scheduleBody({
        overrides: [
          { member: 'dave', start: '2024-03-31T10:00:00+02:00', end: '2024-03-31T12:00:00+02:00' },
        ],
      }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const schedule = created.json<Schedule>();
    expect(created.headers.location).toBe(`/v1/schedules/${schedule.id}`);
    expect(created.headers.etag).toBe('"1"');
    expect(created.json()).toMatchObject({
      layers: [{ ...layer, endsAt: null }],
      overrides: [
        { member: 'dave', start: '2024-03-31T08:00:00.000Z', end: '2024-03-31T10:00:00.000Z' },
      ],
    });
    const onCall = async (at?: string) => {
      const res = await send(
        'GET',
        `/v1/schedules/${schedule.id}/on-call${at ? `?at=${encodeURIComponent(at)}` : ''}`,
        undefined,
        reader(tenant),
      );
      expect(res.statusCode, res.body).toBe(200);
      return res.json<Record<string, unknown>>();
    };
    // Default `at` is the service clock: 2024-03-30T12:00Z is bob's day.
    expect(await onCall()).toEqual({
      scheduleId: schedule.id,
      at: '2024-03-30T12:00:00.000Z',
      member: 'bob',
      source: 'layer',
      layer: 'primary',
      layerIndex: 0,
      from: '2024-03-30T08:00:00.000Z',
      until: '2024-03-31T07:00:00.000Z',
    });
    // 09:00 CEST on the 31st is 07:00Z: carol from then, dave for his override.
    expect((await onCall('2024-03-31T06:59:59Z')).member).toBe('bob');
    expect((await onCall('2024-03-31T09:00:00+02:00')).member).toBe('carol');
    expect(await onCall('2024-03-31T08:30:00Z')).toMatchObject({
      member: 'dave',
      source: 'override',
    });
    expect(await onCall('2024-03-01T00:00:00Z')).toMatchObject({ member: null, source: null });
    const bad = await send('GET', `/v1/schedules/${schedule.id}/on-call?at=tomorrow`);
    expectProblem(bad, 400, 'validation_failed');
    expect(bad.body).toContain('querystring.at');
  });

  it('replaces a schedule (same content keeps the version, a stale If-Match answers 409), lists and deletes it', async () => {
    const schedule = (await send('POST', '/v1/schedules', scheduleBody())).json<Schedule>();
    const url = `/v1/schedules/${schedule.id}`;
    const same = await send('PUT', url, { name: schedule.name, layers: [layer] });
    expect(same.json()).toMatchObject({ version: 1 });
    const moved = await send('PUT', url, {
      name: schedule.name,
      layers: [{ ...layer, members: ['erin'] }],
      overrides: [],
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.headers.etag).toBe('"2"');
    const stale = await service.app.inject({
      method: 'PUT',
      url,
      headers: { ...writer(tenant), 'if-match': '"1"' },
      payload: { name: schedule.name, layers: [layer] },
    });
    expectProblem(stale, 409, 'version_conflict');
    const list = await send('GET', '/v1/schedules?limit=500', undefined, reader(tenant));
    expect(list.json<{ items: Schedule[] }>().items.map((s) => s.id)).toContain(schedule.id);
    expect((await send('DELETE', url)).statusCode).toBe(204);
    expectProblem(await send('GET', url), 404, 'not_found');
  });

  it('refuses bad input naming the field: 400 for types and unknown fields, 422 with the domain code, 409 for a taken name', async () => {
    const unknown = await send('POST', '/v1/schedules', scheduleBody({ colour: 'red' }));
    expectProblem(unknown, 400, 'validation_failed');
    expect(unknown.body).toContain('body.colour');
    const typed = await send(
      'POST',
      '/v1/schedules',
      scheduleBody({ layers: [{ ...layer, rotationLength: 'weekly' }] }),
    );
    expectProblem(typed, 400, 'validation_failed');
    expect(typed.body).toContain('body.layers.0.rotationLength');
    const cases: [Record<string, unknown>, string, string][] = [
      [
        { layers: [{ ...layer, timeZone: 'Europe/Atlantis' }] },
        'schedule.invalid_time_zone',
        'timeZone',
      ],
      [
        { layers: [{ ...layer, startDate: '2024-02-30' }] },
        'schedule.invalid_start',
        'layers[0].startDate',
      ],
      [
        { layers: [{ ...layer, handoffTime: '9am' }] },
        'schedule.invalid_handoff_time',
        'layers[0].handoffTime',
      ],
      [{ layers: [{ ...layer, members: [] }] }, 'schedule.invalid_members', 'members'],
      [{ layers: [] }, 'schedule.invalid_layers', 'layers'],
      [
        {
          overrides: [{ member: 'x', start: '2024-01-02T00:00:00Z', end: '2024-01-01T00:00:00Z' }],
        },
        'schedule.invalid_override',
        'override',
      ],
      [
        { overrides: [{ member: 'x', start: 'now', end: '2024-01-01T00:00:00Z' }] },
        'time.invalid_instant',
        'overrides[0].start',
      ],
    ];
    for (const [extra, code, field] of cases) {
      const res = await send('POST', '/v1/schedules', scheduleBody(extra));
      expectProblem(res, 422, code);
      expect(res.json<{ detail: string }>().detail).toContain(field);
    }
    const first = scheduleBody();
    expect((await send('POST', '/v1/schedules', first)).statusCode).toBe(201);
    expectProblem(
      await send('POST', '/v1/schedules', { ...first, name: first.name.toUpperCase() }),
      409,
      'unique_violation',
    );
  });
});

describe('/v1/escalation-policies', () => {
  it('creates a policy naming receivers and a schedule of the tenant, and keeps a named schedule from deletion', async () => {
    const schedule = (await send('POST', '/v1/schedules', scheduleBody())).json<Schedule>();
    const created = await send(
      'POST',
      '/v1/escalation-policies',
      policyBody({
        steps: [
          { delayMinutes: 0, receiverIds: [RECEIVER.toUpperCase()] },
          { delayMinutes: 10, scheduleIds: [schedule.id] },
        ],
        repeats: 2,
        repeatAfterMinutes: 30,
      }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const policy = created.json<Policy>();
    expect(created.headers.location).toBe(`/v1/escalation-policies/${policy.id}`);
    expect(policy).toMatchObject({
      steps: [
        { delayMinutes: 0, receiverIds: [RECEIVER], scheduleIds: [] },
        { delayMinutes: 10, receiverIds: [], scheduleIds: [schedule.id] },
      ],
      repeats: 2,
      repeatAfterMinutes: 30,
      version: 1,
    });
    const read = await send(
      'GET',
      `/v1/escalation-policies/${policy.id}`,
      undefined,
      reader(tenant),
    );
    expect(read.headers.etag).toBe('"1"');
    expect(read.json()).toEqual(policy);

    expectProblem(await send('DELETE', `/v1/schedules/${schedule.id}`), 422, 'schedule.in_use');
    const replaced = await send('PUT', `/v1/escalation-policies/${policy.id}`, {
      name: policy.name,
      steps: [{ delayMinutes: 5, receiverIds: [RECEIVER] }],
    });
    expect(replaced.json()).toMatchObject({ version: 2, repeats: 0, repeatAfterMinutes: null });
    expect((await send('DELETE', `/v1/schedules/${schedule.id}`)).statusCode).toBe(204);
    expect((await send('DELETE', `/v1/escalation-policies/${policy.id}`)).statusCode).toBe(204);
    expectProblem(await send('GET', `/v1/escalation-policies/${policy.id}`), 404, 'not_found');
  });

  it('refuses bad input naming the field: 400 for types and unknown fields, 422 with the domain code, 409 for a taken name', async () => {
    const unknown = await send(
      'POST',
      '/v1/escalation-policies',
      policyBody({ steps: [{ delayMinutes: 0, receiverIds: [RECEIVER], wait: 1 }] }),
    );
    expectProblem(unknown, 400, 'validation_failed');
    expect(unknown.body).toContain('body.steps.0.wait');
    const typed = await send('POST', '/v1/escalation-policies', policyBody({ repeats: 'twice' }));
    expectProblem(typed, 400, 'validation_failed');
    expect(typed.body).toContain('body.repeats');
    const other = (
      await send('POST', '/v1/schedules', scheduleBody(), writer(uniqueTenant('other')))
    ).json<Schedule>();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ steps: [] }, 'escalation_policy.steps_required', 'step'],
      [
        {
          steps: [
            { delayMinutes: 10, receiverIds: [RECEIVER] },
            { delayMinutes: 5, receiverIds: [RECEIVER] },
          ],
        },
        'escalation_policy.delays_decrease',
        'delays',
      ],
      [
        { steps: [{ delayMinutes: 0 }] },
        'escalation_policy.step_without_targets',
        'receiver or schedule',
      ],
      [
        { steps: [{ delayMinutes: -5, receiverIds: [RECEIVER] }] },
        'escalation_policy.invalid_delay',
        'steps[0].delayMinutes',
      ],
      [
        { steps: [{ delayMinutes: 0, receiverIds: ['ops-team'] }] },
        'escalation_policy.invalid_target',
        'steps[0].receiverIds',
      ],
      [{ repeats: 1 }, 'escalation_policy.invalid_repeat_after', 'repeatAfterMinutes'],
      [{ repeats: 50, repeatAfterMinutes: 60 }, 'escalation_policy.invalid_repeat', 'repeats'],
      // Another tenant's schedule is as unknown as a missing one.
      [
        { steps: [{ delayMinutes: 0, scheduleIds: [other.id] }] },
        'escalation_policy.unknown_schedule',
        other.id,
      ],
      [{ name: '   ' }, 'escalation_policy.name_required', 'name'],
    ];
    for (const [extra, code, field] of cases) {
      const res = await send('POST', '/v1/escalation-policies', policyBody(extra));
      expectProblem(res, 422, code);
      expect(res.json<{ detail: string }>().detail).toContain(field);
    }
    const first = policyBody();
    expect((await send('POST', '/v1/escalation-policies', first)).statusCode).toBe(201);
    expectProblem(
      await send('POST', '/v1/escalation-policies', {
        ...first,
        name: ` ${first.name.toUpperCase()}`,
      }),
      409,
      'unique_violation',
    );
  });

  it('opens a manual incident on a policy: steps of every round, the policy recorded', async () => {
    const policy = (
      await send(
        'POST',
        '/v1/escalation-policies',
        policyBody({
          steps: [
            { delayMinutes: 0, receiverIds: [RECEIVER] },
            { delayMinutes: 10, receiverIds: [RECEIVER] },
          ],
          repeats: 1,
          repeatAfterMinutes: 20,
        }),
      )
    ).json<Policy>();
    const incident = await openManual(service, tenant, { escalationPolicyId: policy.id });
    expect(incident).toMatchObject({ escalationPolicyId: policy.id });
    expect(incident.escalationSteps.map((s) => [s.level, s.target, s.delayMinutes])).toEqual([
      [1, `${policy.name} step 1`, 0],
      [2, `${policy.name} step 2`, 10],
      [3, `${policy.name} step 1 (repeat 1)`, 20],
      [4, `${policy.name} step 2 (repeat 1)`, 30],
    ]);
    const open = (body: Record<string, unknown>) =>
      send('POST', '/v1/incidents', { title: 't', severity: 'high', projectId: 'p', ...body });
    expectProblem(
      await open({ escalationPolicyId: crypto.randomUUID() }),
      422,
      'incident.unknown_escalation_policy',
    );
    expectProblem(
      await open({ escalationPolicyId: policy.id, escalationSteps: [] }),
      422,
      'incident.unknown_escalation_policy',
    );
    // Without a policy the default applies and none is recorded.
    expect((await openManual(service, tenant)).escalationPolicyId).toBeNull();
  });

  it('never answers 5xx to random bodies on the policy and schedule routes (fuzz)', async () => {
    const schedule = (await send('POST', '/v1/schedules', scheduleBody())).json<Schedule>();
    const policy = (await send('POST', '/v1/escalation-policies', policyBody())).json<Policy>();
    for (const id of [schedule.id, policy.id]) {
      const report = await fuzzWriteRoutes(service.app, {
        headers: writer(tenant),
        pathParams: { id },
        runsPerRoute: 40,
      });
      expect(report.routes).toEqual(
        expect.arrayContaining([
          'POST /v1/escalation-policies',
          'PUT /v1/escalation-policies/{id}',
          'POST /v1/schedules',
          'PUT /v1/schedules/{id}',
        ]),
      );
      expect(report.statuses[422] ?? 0).toBeGreaterThan(0);
    }
  });
});
