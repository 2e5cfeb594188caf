import type { RunningService } from '@obs/service-kit';
import { topicFor } from '@obs/event-envelope';
import { TestClock, TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TRACE_ID,
  openManual,
  reader,
  runCommand,
  startIncidentService,
  timelineOf,
  uniqueTenant,
  writer,
  type IncidentBody,
} from '../../test/incident-test-kit.js';
import { incidentStore } from '../incident.repository.js';
import { EscalationScheduler, type TickResult } from './escalation.scheduler.js';

const clock = new TestClock(Date.parse('2031-06-01T08:00:00.000Z'));
let probe: TopicReader;
let service: RunningService;
let scheduler: EscalationScheduler;

beforeAll(async () => {
  service = await startIncidentService({ clock, runConsumers: false });
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

async function get(tenantId: string, id: string): Promise<IncidentBody> {
  const res = await service.app.inject({
    method: 'GET',
    url: `/v1/incidents/${id}`,
    headers: reader(tenantId),
  });
  return res.json<IncidentBody>();
}

/** The levels a tick escalated for one incident (other tests' incidents may be due too). */
const levelsFor = (result: TickResult, id: string): number[] =>
  result.escalations.filter((e) => e.incidentId === id).flatMap((e) => e.steps.map((s) => s.level));

describe('escalation scheduler', () => {
  it('escalates an unacknowledged incident step by step as the clock passes each delay, once per step', async () => {
    const tenant = uniqueTenant('inc-esc');
    const incident = await openManual(service, tenant, { traceId: TRACE_ID });
    const t0 = clock.nowMs;
    expect(incident.nextEscalationAt).toBe(new Date(t0 + 5 * 60_000).toISOString());

    expect(levelsFor(await scheduler.tick(), incident.id)).toEqual([]);
    clock.advanceMinutes(4);
    expect(levelsFor(await scheduler.tick(), incident.id)).toEqual([]);
    clock.advanceMinutes(1);
    expect(levelsFor(await scheduler.tick(), incident.id)).toEqual([1]);
    expect(levelsFor(await scheduler.tick(), incident.id)).toEqual([]);
    const afterFirst = await get(tenant, incident.id);
    expect(afterFirst.escalationSteps.map((s) => s.at)).toEqual([clock.iso(), null, null]);
    expect(afterFirst.nextEscalationAt).toBe(new Date(t0 + 15 * 60_000).toISOString());
    expect(afterFirst.status).toBe('open');

    clock.advanceMinutes(10);
    expect(levelsFor(await scheduler.tick(), incident.id)).toEqual([2]);
    clock.advanceMinutes(15);
    expect(levelsFor(await scheduler.tick(), incident.id)).toEqual([3]);
    clock.advanceMinutes(60);
    expect(levelsFor(await scheduler.tick(), incident.id)).toEqual([]);
    const done = await get(tenant, incident.id);
    expect(done.nextEscalationAt).toBeNull();
    expect(done.version).toBe(4);

    const escalated = (await timelineOf(service, tenant, incident.id)).filter(
      (e) => e.type === 'escalated',
    );
    expect(escalated.map((e) => [e.timestamp, e.actor, e.note])).toEqual([
      [new Date(t0 + 5 * 60_000).toISOString(), 'system', 'level 1: on-call-primary'],
      [new Date(t0 + 15 * 60_000).toISOString(), 'system', 'level 2: on-call-secondary'],
      [new Date(t0 + 30 * 60_000).toISOString(), 'system', 'level 3: engineering-manager'],
    ]);

    // Resolve, so a later record on the same key (partition) proves nothing else was published.
    expect(
      (
        await runCommand(service, tenant, incident.id, 'resolve', {
          actor: 'alice',
          rootCause: 'disk full',
        })
      ).statusCode,
    ).toBe(200);
    await probe.waitFor(tenant, 'IncidentResolved');
    const events = probe.of(tenant, 'IncidentEscalated');
    expect(events.map((e) => e.payload)).toEqual([
      {
        incidentId: incident.id,
        level: 1,
        target: 'on-call-primary',
        escalatedAt: new Date(t0 + 5 * 60_000).toISOString(),
      },
      {
        incidentId: incident.id,
        level: 2,
        target: 'on-call-secondary',
        escalatedAt: new Date(t0 + 15 * 60_000).toISOString(),
      },
      {
        incidentId: incident.id,
        level: 3,
        target: 'engineering-manager',
        escalatedAt: new Date(t0 + 30 * 60_000).toISOString(),
      },
    ]);
    for (const event of events) {
      expect(event).toMatchObject({
        producer: 'incident-service',
        tenantId: tenant,
        traceId: TRACE_ID,
        aggregate: { type: 'Incident', id: incident.id },
      });
    }
    expect(events.map((e) => e.aggregate.version)).toEqual([2, 3, 4]);
  });

  it('never escalates an acknowledged incident', async () => {
    const tenant = uniqueTenant('inc-esc-ack');
    const incident = await openManual(service, tenant);
    clock.advanceMinutes(2);
    expect((await runCommand(service, tenant, incident.id, 'acknowledge')).statusCode).toBe(200);
    clock.advanceMinutes(120);
    expect(levelsFor(await scheduler.tick(), incident.id)).toEqual([]);
    const after = await get(tenant, incident.id);
    expect(after.escalationSteps.every((s) => s.at === null)).toBe(true);
    expect(after.nextEscalationAt).toBeNull();
    expect(
      (await timelineOf(service, tenant, incident.id)).filter((e) => e.type === 'escalated'),
    ).toEqual([]);
  });

  it('escalates every step a late tick finds due, in level order, each once', async () => {
    const tenant = uniqueTenant('inc-esc-late');
    const incident = await openManual(service, tenant);
    clock.advanceMinutes(31);
    expect(levelsFor(await scheduler.tick(), incident.id)).toEqual([1, 2, 3]);
    expect(levelsFor(await scheduler.tick(), incident.id)).toEqual([]);
    const events = await probe.waitFor(tenant, 'IncidentEscalated', 3);
    expect(events.map((e) => (e.payload as { level: number }).level)).toEqual([1, 2, 3]);
  });

  it('lets two schedulers tick at once without escalating any step twice (SKIP LOCKED)', async () => {
    const tenant = uniqueTenant('inc-esc-race');
    const incidents = await Promise.all(
      Array.from({ length: 6 }, () => openManual(service, tenant)),
    );
    const other = new EscalationScheduler(
      service.ctx,
      incidentStore(service.ctx.dataSource, service.ctx.uow),
    );
    clock.advanceMinutes(5);
    const [a, b] = await Promise.all([scheduler.tick(), other.tick()]);
    for (const incident of incidents) {
      expect([...levelsFor(a, incident.id), ...levelsFor(b, incident.id)]).toEqual([1]);
      const escalated = (await timelineOf(service, tenant, incident.id)).filter(
        (e) => e.type === 'escalated',
      );
      expect(escalated).toHaveLength(1);
    }
    const events = await probe.waitFor(tenant, 'IncidentEscalated', incidents.length);
    expect(events).toHaveLength(incidents.length);
  });

  it('is also driven by the service itself on an interval, stopped on close', async () => {
    const ownClock = new TestClock(Date.parse('2032-01-01T00:00:00.000Z'));
    const ticking = await startIncidentService({
      clock: ownClock,
      runConsumers: false,
      config: { escalationIntervalMs: 50 },
    });
    try {
      const tenant = uniqueTenant('inc-esc-interval');
      const res = await ticking.app.inject({
        method: 'POST',
        url: '/v1/incidents',
        headers: writer(tenant),
        payload: { title: 'Queue backlog', severity: 'warning', projectId: 'jobs' },
      });
      const incident = res.json<IncidentBody>();
      ownClock.advanceMinutes(5);
      await expect
        .poll(
          async () => {
            const current = await ticking.app.inject({
              method: 'GET',
              url: `/v1/incidents/${incident.id}`,
              headers: reader(tenant),
            });
            return current.json<IncidentBody>().escalationSteps[0]?.at;
          },
          { timeout: 10_000, interval: 50 },
        )
        .toBe(ownClock.iso());
    } finally {
      await ticking.close();
    }
  });
});
