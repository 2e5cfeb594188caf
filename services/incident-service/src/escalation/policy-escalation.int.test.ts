import { topicFor, type Envelope } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { busMessageOf, TestClock, TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertTriggered,
  listOf,
  runCommand,
  startIncidentService,
  timelineOf,
  uniqueTenant,
  writer,
  type IncidentBody,
} from '../../test/incident-test-kit.js';
import { incidentStore } from '../incident.repository.js';
import { EscalationScheduler, type TickResult } from './escalation.scheduler.js';

/**
 * An incident follows the escalation policy its alert rule's `incident` action names: each step,
 * when due, publishes IncidentEscalated with the step's receivers and whoever its schedules put on
 * call; acknowledge and resolve stop it; repeats run again. Over Kafka, with an injected clock.
 */
const clock = new TestClock(Date.parse('2031-03-29T10:00:00.000Z'));
let service: RunningService;
let scheduler: EscalationScheduler;
let probe: TopicReader;
const publish = (envelope: Envelope): Promise<void> =>
  service.ctx.bus.publish([busMessageOf(envelope)]);

beforeAll(async () => {
  service = await startIncidentService({ clock });
  scheduler = new EscalationScheduler(
    service.ctx,
    incidentStore(service.ctx.dataSource, service.ctx.uow),
  );
  probe = await TopicReader.open(service.ctx.bus, [topicFor('IncidentOpened')]);
});
afterAll(async () => {
  await probe.close();
  await service.close();
});

const R1 = '6f1c2a8e-3d4b-4c5a-9e7f-0a1b2c3d4e5f';
const R2 = '7a2d3b9f-4e5c-4d6b-8f0a-1b2c3d4e5f6a';

async function create<T>(tenant: string, url: string, payload: Record<string, unknown>) {
  const res = await service.app.inject({ method: 'POST', url, headers: writer(tenant), payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<T & { id: string; name: string }>();
}

/** A schedule (alice until 2031-03-30 09:00 Berlin, bob after) and a two-step policy using it. */
async function setUp(tenant: string, policy: Record<string, unknown> = {}) {
  const schedule = await create(tenant, '/v1/schedules', {
    name: 'payments primary',
    layers: [
      {
        members: ['alice', 'bob'],
        rotationLength: 1,
        rotationUnit: 'days',
        startDate: '2031-03-29',
        handoffTime: '09:00',
        timeZone: 'Europe/Berlin',
      },
    ],
  });
  const created = await create(tenant, '/v1/escalation-policies', {
    name: 'Payments',
    steps: [
      { delayMinutes: 5, receiverIds: [R1] },
      { delayMinutes: 15, receiverIds: [R2], scheduleIds: [schedule.id] },
    ],
    ...policy,
  });
  return { schedule, policy: created };
}

async function openFromAlert(tenant: string, target: string): Promise<IncidentBody> {
  const alert = alertTriggered({
    tenantId: tenant,
    firedAt: clock.iso(),
    actions: [
      { type: 'webhook', target: R1 },
      { type: 'incident', target },
    ],
  });
  await publish(alert);
  await expect
    .poll(async () => (await listOf(service, tenant)).length, { timeout: 30_000, interval: 100 })
    .toBe(1);
  return (await listOf(service, tenant))[0]!;
}

const levelsFor = (result: TickResult, id: string): number[] =>
  result.escalations.filter((e) => e.incidentId === id).flatMap((e) => e.steps.map((s) => s.level));

describe('escalation along the policy an alert rule names', () => {
  it('a policy with two steps escalates in order, with receivers and the on-call member, and stops at acknowledge', async () => {
    const tenant = uniqueTenant('esc-policy');
    const { schedule, policy } = await setUp(tenant);
    // The action names the policy by name, in another case.
    const incident = await openFromAlert(tenant, 'payments');
    expect(incident.escalationPolicyId).toBe(policy.id);
    const t0 = Date.parse(incident.escalationStartsAt);
    expect(incident.nextEscalationAt).toBe(new Date(t0 + 5 * 60_000).toISOString());

    clock.advanceMinutes(4);
    expect(levelsFor(await scheduler.tick(), incident.id)).toEqual([]);
    clock.advanceMinutes(1);
    expect(levelsFor(await scheduler.tick(), incident.id)).toEqual([1]);
    clock.advanceMinutes(10);
    expect(levelsFor(await scheduler.tick(), incident.id)).toEqual([2]);
    const escalated = await probe.waitFor(tenant, 'IncidentEscalated', 2);
    expect(escalated.map((e) => e.payload)).toEqual([
      {
        incidentId: incident.id,
        level: 1,
        target: 'Payments step 1',
        escalatedAt: new Date(t0 + 5 * 60_000).toISOString(),
        escalationPolicyId: policy.id,
        receiverIds: [R1],
        onCall: [],
        title: incident.title,
        severity: 'critical',
        projectId: 'checkout',
        sourceRef: incident.sourceRef,
      },
      expect.objectContaining({
        level: 2,
        target: 'Payments step 2',
        escalatedAt: new Date(t0 + 15 * 60_000).toISOString(),
        receiverIds: [R2],
        onCall: [{ scheduleId: schedule.id, member: 'alice' }],
      }),
    ]);
    const lines = await timelineOf(service, tenant, incident.id);
    expect(lines.filter((l) => l.type !== 'opened').map((l) => [l.type, l.note])).toEqual([
      ['escalated', 'level 1: Payments step 1'],
      ['escalated', 'level 2: Payments step 2'],
      ['paged', 'paged alice (on call for payments primary, level 2)'],
    ]);
    expect((await runCommand(service, tenant, incident.id, 'acknowledge')).statusCode).toBe(200);
    clock.advanceMinutes(24 * 60);
    expect(levelsFor(await scheduler.tick(), incident.id)).toEqual([]);
    expect(
      (await timelineOf(service, tenant, incident.id)).filter((l) => l.type === 'escalated'),
    ).toHaveLength(2);
  });

  it('honours repeats (the next round pages whoever is on call then) and stops at resolve', async () => {
    const tenant = uniqueTenant('esc-repeat');
    const { policy } = await setUp(tenant, { repeats: 2, repeatAfterMinutes: 24 * 60 });
    const incident = await openFromAlert(tenant, policy.id.toUpperCase());
    expect(incident.escalationSteps).toHaveLength(6);
    clock.advanceMinutes(15);
    expect(levelsFor(await scheduler.tick(), incident.id)).toEqual([1, 2]);
    // A day later, after the next 09:00 Berlin handoff, round 2 pages the next member.
    clock.advanceMinutes(24 * 60);
    expect(levelsFor(await scheduler.tick(), incident.id)).toEqual([3, 4]);
    const paged = (await timelineOf(service, tenant, incident.id))
      .filter((l) => l.type === 'paged')
      .map((l) => l.note);
    // The shared clock is at 2031-03-30 10:30Z here (bob's turn, after Berlin's switch to CEST
    // that morning moved the handoff to 07:00Z), then 2031-03-31 10:30Z (alice's).
    expect(paged).toEqual([
      'paged bob (on call for payments primary, level 2)',
      'paged alice (on call for payments primary, level 4)',
    ]);
    const resolved = await runCommand(service, tenant, incident.id, 'resolve', {
      actor: 'bob',
      rootCause: 'bad deploy',
    });
    expect(resolved.statusCode).toBe(200);
    clock.advanceMinutes(3 * 24 * 60);
    expect(levelsFor(await scheduler.tick(), incident.id)).toEqual([]);
    await probe.waitFor(tenant, 'IncidentResolved');
    expect(probe.of(tenant, 'IncidentEscalated').map((e) => e.payload)).toHaveLength(4);
  });

  it('uses the default policy for a target naming no policy, or a policy deleted since', async () => {
    const tenant = uniqueTenant('esc-default');
    const { policy } = await setUp(tenant);
    const none = await openFromAlert(tenant, 'team-that-has-no-policy');
    expect(none.escalationPolicyId).toBeNull();
    expect(none.escalationSteps.map((s) => s.target)).toEqual([
      'on-call-primary',
      'on-call-secondary',
      'engineering-manager',
    ]);
    const other = uniqueTenant('esc-deleted');
    const { policy: gone } = await setUp(other);
    const deleted = await service.app.inject({
      method: 'DELETE',
      url: `/v1/escalation-policies/${gone.id}`,
      headers: writer(other),
    });
    expect(deleted.statusCode).toBe(204);
    expect((await openFromAlert(other, gone.id)).escalationPolicyId).toBeNull();
    // Another tenant's policy, named by id, is as unknown as a deleted one.
    const third = uniqueTenant('esc-foreign');
    expect((await openFromAlert(third, policy.id)).escalationPolicyId).toBeNull();
  });
});
