import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { Incident } from '../incident/incident.aggregate.js';
import { EscalationPolicy, MAX_POLICY_REPEATS } from './escalation-policy.aggregate.js';
import { onCallAt } from './on-call.js';
import { Schedule } from './schedule.aggregate.js';

const AT = '2030-01-01T00:00:00.000Z';
const R1 = '6f1c2a8e-3d4b-4c5a-9e7f-0a1b2c3d4e5f';
const R2 = '7a2d3b9f-4e5c-4d6b-8f0a-1b2c3d4e5f6a';
const S1 = '8b3e4c0a-5f6d-4e7c-9a1b-2c3d4e5f6a7b';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (err) {
    return err instanceof DomainError ? err.code : `not a DomainError: ${String(err)}`;
  }
};

const layerInput = {
  members: ['alice', 'bob'],
  rotationLength: 1,
  rotationUnit: 'weeks',
  startDate: '2030-01-07',
  handoffTime: '09:00',
  timeZone: 'Europe/Berlin',
};
const scheduleInput = (extra: Record<string, unknown> = {}) => ({
  scheduleId: S1,
  tenantId: 't1',
  name: ' payments primary ',
  layers: [layerInput],
  at: AT,
  ...extra,
});

describe('Schedule', () => {
  it('normalises its configuration: trimmed names, default layer names, ISO overrides', () => {
    expect(() =>
      Schedule.create(scheduleInput({ layers: [{ ...layerInput, handoffTime: '9:00' }] })),
    ).toThrow(DomainError);
    const ok = Schedule.create(
      scheduleInput({
        layers: [{ ...layerInput, members: [' alice ', 'bob'] }],
        overrides: [
          { member: 'carol', start: '2030-01-08T10:00:00+01:00', end: '2030-01-08T18:00:00+01:00' },
        ],
      }),
    ).toSnapshot();
    expect(ok).toMatchObject({
      name: 'payments primary',
      version: 1,
      layers: [{ name: 'layer 1', members: ['alice', 'bob'], endsAt: null }],
      overrides: [
        { member: 'carol', start: '2030-01-08T09:00:00.000Z', end: '2030-01-08T17:00:00.000Z' },
      ],
    });
    expect(onCallAt(ok, Date.parse('2030-01-08T12:00:00Z')).member).toBe('carol');
  });

  it.each([
    [{ layers: [] }, 'schedule.invalid_layers'],
    [{ layers: Array.from({ length: 11 }, () => layerInput) }, 'schedule.invalid_layers'],
    [{ name: '  ' }, 'schedule.name_required'],
    [{ layers: [{ ...layerInput, members: [] }] }, 'schedule.invalid_members'],
    [{ layers: [{ ...layerInput, members: ['a', ' '] }] }, 'schedule.invalid_member'],
    [{ layers: [{ ...layerInput, rotationLength: 0 }] }, 'schedule.invalid_rotation'],
    [{ layers: [{ ...layerInput, rotationLength: 1.5 }] }, 'schedule.invalid_rotation'],
    [{ layers: [{ ...layerInput, rotationUnit: 'months' }] }, 'schedule.invalid_rotation'],
    [{ layers: [{ ...layerInput, startDate: '2030-02-30' }] }, 'schedule.invalid_start'],
    [{ layers: [{ ...layerInput, startDate: '1969-12-31' }] }, 'schedule.invalid_start'],
    [{ layers: [{ ...layerInput, handoffTime: '24:00' }] }, 'schedule.invalid_handoff_time'],
    [{ layers: [{ ...layerInput, timeZone: 'Europe/Atlantis' }] }, 'schedule.invalid_time_zone'],
    [{ layers: [{ ...layerInput, endsAt: 'soon' }] }, 'time.invalid_instant'],
    [
      { overrides: [{ member: 'a', start: '2030-01-02T00:00:00Z', end: '2030-01-02T00:00:00Z' }] },
      'schedule.invalid_override',
    ],
    [
      {
        overrides: Array.from({ length: 201 }, () => ({
          member: 'a',
          start: '2030-01-02T00:00:00Z',
          end: '2030-01-03T00:00:00Z',
        })),
      },
      'schedule.too_many_overrides',
    ],
  ])('refuses %j with %s', (extra, code) => {
    expect(codeOf(() => Schedule.create(scheduleInput(extra)))).toBe(code);
  });

  it('replace bumps the version only for a change, and rehydrates what it stored', () => {
    const schedule = Schedule.create(scheduleInput());
    schedule.replace({ name: 'payments primary', layers: [layerInput] }, '2030-01-02T00:00:00Z');
    expect(schedule.version).toBe(1);
    schedule.replace(
      { name: 'payments primary', layers: [{ ...layerInput, members: ['bob', 'alice'] }] },
      '2030-01-02T00:00:00Z',
    );
    const snapshot = schedule.toSnapshot();
    expect(snapshot).toMatchObject({ version: 2, updatedAt: '2030-01-02T00:00:00.000Z' });
    expect(Schedule.rehydrate(snapshot).toSnapshot()).toEqual(snapshot);
    expect(schedule.id).toBe(S1);
  });

  it('a stored schedule whose keys came back in another order (jsonb) is unchanged by the same content', () => {
    const snapshot = Schedule.create(scheduleInput()).toSnapshot();
    const reordered = JSON.parse(
      JSON.stringify(snapshot, (_key, value: unknown) =>
        value !== null && typeof value === 'object' && !Array.isArray(value)
          ? Object.fromEntries(Object.entries(value).reverse())
          : value,
      ),
    ) as typeof snapshot;
    const stored = Schedule.rehydrate(reordered);
    stored.replace({ name: 'payments primary', layers: [layerInput] }, '2030-01-02T00:00:00Z');
    expect(stored.version).toBe(1);
    const policy = EscalationPolicy.create(policyInput()).toSnapshot();
    const storedPolicy = EscalationPolicy.rehydrate(
      JSON.parse(
        JSON.stringify(policy, (_key, value: unknown) =>
          value !== null && typeof value === 'object' && !Array.isArray(value)
            ? Object.fromEntries(Object.entries(value).reverse())
            : value,
        ),
      ) as typeof policy,
    );
    storedPolicy.replace({ name: 'payments', steps: policy.steps }, '2030-01-02T00:00:00Z');
    expect(storedPolicy.version).toBe(1);
  });
});

const policyInput = (extra: Record<string, unknown> = {}) => ({
  policyId: '9c4f5d1b-6a7e-4f8d-8b2c-3d4e5f6a7b8c',
  tenantId: 't1',
  name: ' payments ',
  steps: [
    { delayMinutes: 0, receiverIds: [R1.toUpperCase()] },
    { delayMinutes: 10, receiverIds: [R2], scheduleIds: [S1] },
  ],
  at: AT,
  ...extra,
});

describe('EscalationPolicy', () => {
  it('keeps ordered steps, lower-cases ids and expands into incident steps round by round', () => {
    const policy = EscalationPolicy.create(policyInput({ repeats: 2, repeatAfterMinutes: 30 }));
    expect(policy.toSnapshot()).toMatchObject({
      name: 'payments',
      repeats: 2,
      repeatAfterMinutes: 30,
      steps: [
        { delayMinutes: 0, receiverIds: [R1], scheduleIds: [] },
        { delayMinutes: 10, receiverIds: [R2], scheduleIds: [S1] },
      ],
    });
    expect(policy.scheduleIds).toEqual([S1]);
    expect(
      policy.incidentSteps().map((s) => [s.level, s.target, s.delayMinutes, s.receiverIds]),
    ).toEqual([
      [1, 'payments step 1', 0, [R1]],
      [2, 'payments step 2', 10, [R2]],
      [3, 'payments step 1 (repeat 1)', 30, [R1]],
      [4, 'payments step 2 (repeat 1)', 40, [R2]],
      [5, 'payments step 1 (repeat 2)', 60, [R1]],
      [6, 'payments step 2 (repeat 2)', 70, [R2]],
    ]);
  });

  it.each([
    [{ steps: [] }, 'escalation_policy.steps_required'],
    [
      { steps: Array.from({ length: 11 }, () => ({ delayMinutes: 0, receiverIds: [R1] })) },
      'escalation_policy.too_many_steps',
    ],
    [
      {
        steps: [
          { delayMinutes: 10, receiverIds: [R1] },
          { delayMinutes: 5, receiverIds: [R2] },
        ],
      },
      'escalation_policy.delays_decrease',
    ],
    [{ steps: [{ delayMinutes: -1, receiverIds: [R1] }] }, 'escalation_policy.invalid_delay'],
    [{ steps: [{ delayMinutes: 1.5, receiverIds: [R1] }] }, 'escalation_policy.invalid_delay'],
    [{ steps: [{ delayMinutes: 0 }] }, 'escalation_policy.step_without_targets'],
    [
      { steps: [{ delayMinutes: 0, receiverIds: [], scheduleIds: [] }] },
      'escalation_policy.step_without_targets',
    ],
    [{ steps: [{ delayMinutes: 0, receiverIds: ['ops'] }] }, 'escalation_policy.invalid_target'],
    [
      { steps: [{ delayMinutes: 0, receiverIds: [R1, R1.toUpperCase()] }] },
      'escalation_policy.duplicate_target',
    ],
    [
      {
        steps: [
          {
            delayMinutes: 0,
            scheduleIds: Array.from(
              { length: 11 },
              (_, i) => `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`,
            ),
          },
        ],
      },
      'escalation_policy.too_many_targets',
    ],
    [
      { repeats: MAX_POLICY_REPEATS + 1, repeatAfterMinutes: 60 },
      'escalation_policy.invalid_repeat',
    ],
    [{ repeats: -1 }, 'escalation_policy.invalid_repeat'],
    [{ repeats: 1 }, 'escalation_policy.invalid_repeat_after'],
    [{ repeats: 1, repeatAfterMinutes: 10 }, 'escalation_policy.invalid_repeat_after'],
    [{ repeatAfterMinutes: 60 }, 'escalation_policy.invalid_repeat_after'],
    [{ name: ' ' }, 'escalation_policy.name_required'],
  ])('refuses %j with %s', (extra, code) => {
    expect(codeOf(() => EscalationPolicy.create(policyInput(extra)))).toBe(code);
  });

  it('replace keeps the version when nothing changes, and rehydrates', () => {
    const policy = EscalationPolicy.create(policyInput());
    const config = { name: 'payments', steps: policy.toSnapshot().steps };
    policy.replace(config, '2030-01-02T00:00:00Z');
    expect(policy.version).toBe(1);
    policy.replace({ ...config, repeats: 1, repeatAfterMinutes: 11 }, '2030-01-02T00:00:00Z');
    expect(policy.version).toBe(2);
    expect(EscalationPolicy.rehydrate(policy.toSnapshot()).toSnapshot()).toEqual(
      policy.toSnapshot(),
    );
    expect([policy.id, policy.name]).toEqual(['9c4f5d1b-6a7e-4f8d-8b2c-3d4e5f6a7b8c', 'payments']);
  });
});

describe('an incident following a policy', () => {
  const policy = EscalationPolicy.create(policyInput({ repeats: 1, repeatAfterMinutes: 30 }));
  const open = () =>
    Incident.create({
      incidentId: 'inc-1',
      tenantId: 't1',
      projectId: 'checkout',
      title: 'Checkout is slow',
      severity: 'high',
      source: 'manual',
      openedAt: AT,
      escalationSteps: policy.incidentSteps(),
      escalationPolicyId: policy.id,
    });
  const at = (minutes: number) => new Date(Date.parse(AT) + minutes * 60_000).toISOString();
  const lookup = (scheduleId: string, atMs: number) =>
    scheduleId === S1
      ? { scheduleName: 'payments primary', member: atMs < Date.parse(at(35)) ? 'alice' : 'bob' }
      : undefined;

  it('records the policy, and each due step carries its receivers and the on-call member', () => {
    const incident = open();
    expect(incident.toSnapshot().escalationPolicyId).toBe(policy.id);
    expect(incident.pendingScheduleIds()).toEqual([S1]);
    incident.pullEvents();
    expect(incident.escalateDue(at(0), lookup).map((s) => s.level)).toEqual([1]);
    expect(incident.escalateDue(at(10), lookup).map((s) => s.level)).toEqual([2]);
    const events = incident.pullEvents();
    expect(events.map((e) => e.payload)).toEqual([
      {
        incidentId: 'inc-1',
        level: 1,
        target: 'payments step 1',
        escalatedAt: at(0),
        escalationPolicyId: policy.id,
        receiverIds: [R1],
        onCall: [],
        title: 'Checkout is slow',
        severity: 'high',
        projectId: 'checkout',
        sourceRef: null,
      },
      expect.objectContaining({
        level: 2,
        receiverIds: [R2],
        onCall: [{ scheduleId: S1, member: 'alice' }],
      }),
    ]);
    const lines = incident.toSnapshot().events.filter((e) => e.type !== 'opened');
    expect(lines.map((e) => [e.type, e.note])).toEqual([
      ['escalated', 'level 1: payments step 1'],
      ['escalated', 'level 2: payments step 2'],
      ['paged', 'paged alice (on call for payments primary, level 2)'],
    ]);
    // The repeat round pages whoever is on call then.
    expect(incident.escalateDue(at(40), lookup).map((s) => s.level)).toEqual([3, 4]);
    expect(incident.toSnapshot().events.at(-1)?.note).toBe(
      'paged bob (on call for payments primary, level 4)',
    );
    expect(incident.pendingScheduleIds()).toEqual([]);
  });

  it('a schedule gone (or no lookup) pages nobody but still escalates and notifies receivers', () => {
    const incident = open();
    incident.pullEvents();
    incident.escalateDue(at(10));
    const second = incident.pullEvents()[1];
    expect(second?.payload).toMatchObject({ onCall: [{ scheduleId: S1, member: null }] });
    expect(incident.toSnapshot().events.some((e) => e.type === 'paged')).toBe(false);
  });

  it('acknowledging stops the policy; a manual escalate still pages the next step', () => {
    const incident = open();
    incident.escalateDue(at(0), lookup);
    incident.acknowledge({ actor: 'alice', at: at(1) });
    expect(incident.escalateDue(at(100), lookup)).toEqual([]);
    incident.pullEvents();
    const step = incident.escalate({ actor: 'alice', at: at(2) }, lookup);
    expect(step.level).toBe(2);
    expect(incident.pullEvents()[0]?.payload).toMatchObject({
      onCall: [{ scheduleId: S1, member: 'alice' }],
    });
  });

  it('holds up to 100 policy steps but keeps 10 for steps without a policy, and checks step ids', () => {
    const many = Array.from({ length: 11 }, (_, i) => ({
      level: i + 1,
      target: `t${i}`,
      delayMinutes: i,
    }));
    const base = {
      incidentId: 'inc-2',
      tenantId: 't1',
      projectId: 'p',
      title: 't',
      severity: 'high',
      source: 'manual',
      openedAt: AT,
    };
    expect(codeOf(() => Incident.create({ ...base, escalationSteps: many }))).toBe(
      'incident.invalid_escalation',
    );
    expect(
      codeOf(() =>
        Incident.create({ ...base, escalationSteps: many, escalationPolicyId: policy.id }),
      ),
    ).toBeUndefined();
    expect(
      codeOf(() =>
        Incident.create({ ...base, escalationSteps: many, escalationPolicyId: 'not-a-uuid' }),
      ),
    ).toBe('incident.invalid_escalation');
    expect(
      codeOf(() =>
        Incident.create({
          ...base,
          escalationSteps: [{ level: 1, target: 'x', delayMinutes: 0, receiverIds: ['nope'] }],
        }),
      ),
    ).toBe('incident.invalid_escalation');
  });
});
