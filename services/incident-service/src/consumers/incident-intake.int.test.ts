import { randomUUID } from 'node:crypto';
import { DLQ_HEADERS, dlqTopicFor, topicFor, type Envelope } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { busMessageOf, TestClock, TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TRACE_ID,
  alertResolved,
  alertTriggered,
  listOf,
  openManual,
  runCommand,
  sloBreached,
  startIncidentService,
  timelineOf,
  uniqueTenant,
  type IncidentBody,
} from '../../test/incident-test-kit.js';
import { EscalationScheduler, type TickResult } from '../escalation/escalation.scheduler.js';
import { incidentStore } from '../incident.repository.js';

const clock = new TestClock();
let probe: TopicReader;
let dlq: TopicReader;
/** Publishes as another service's relay would: busMessageOf keys and labels like production. */
const publisher = {
  publish: (envelope: Envelope): Promise<void> => service.ctx.bus.publish([busMessageOf(envelope)]),
};
let service: RunningService;

beforeAll(async () => {
  service = await startIncidentService({
    clock,
    env: { CONSUMER_BACKOFF_MS: '20', CONSUMER_MAX_ATTEMPTS: '3' },
  });
  probe = await TopicReader.open(service.ctx.bus, [topicFor('IncidentOpened')]);
  dlq = await TopicReader.open(service.ctx.bus, [dlqTopicFor(topicFor('AlertTriggered'))]);
});
afterAll(async () => {
  await Promise.all([probe.close(), dlq.close()]);
  await service.close();
});

async function waitForIncidents(
  tenantId: string,
  match: (incident: IncidentBody) => boolean,
  count = 1,
): Promise<IncidentBody[]> {
  await expect
    .poll(async () => (await listOf(service, tenantId)).filter(match).length, {
      timeout: 30_000,
      interval: 100,
    })
    .toBeGreaterThanOrEqual(count);
  return (await listOf(service, tenantId)).filter(match);
}

const bySourceRef = (ref: string) => (incident: IncidentBody) => incident.sourceRef === ref;

/**
 * Publishes a marker alert on the same rule (same Kafka key, so the same partition) and waits for
 * its incident: everything published before it on that rule has then been consumed.
 */
async function drain(tenantId: string, alertRuleId: string): Promise<void> {
  const marker = alertTriggered({
    tenantId,
    alertRuleId,
    groupKey: `marker=${randomUUID()}`,
    firedAt: clock.iso(),
  });
  await publisher.publish(marker);
  await waitForIncidents(tenantId, bySourceRef(marker.payload.fingerprint));
}

describe('AlertTriggered → incident', () => {
  const tenant = uniqueTenant('inc-alert');
  const alertRuleId = randomUUID();
  const first = alertTriggered({ tenantId: tenant, alertRuleId, firedAt: clock.iso() });
  const fingerprint = first.payload.fingerprint;

  it('opens one incident for the same envelope delivered twice, from the event’s fields', async () => {
    await publisher.publish(first);
    await publisher.publish(first);
    await drain(tenant, alertRuleId);
    const incidents = await waitForIncidents(tenant, bySourceRef(fingerprint));
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      tenantId: tenant,
      title: 'Payments p95 latency [service=payments-api]',
      severity: 'critical',
      status: 'open',
      source: 'alert',
      sourceRef: fingerprint,
      traceId: TRACE_ID,
      projectId: 'checkout',
      moduleId: 'payments',
      openedAt: first.payload.firedAt,
      // A partial group is not the eleven dimensions; the group key is in the title.
      dimensions: null,
    });
    expect(incidents[0]!.escalationSteps.map((s) => [s.level, s.target, s.delayMinutes])).toEqual([
      [1, 'on-call-primary', 5],
      [2, 'on-call-secondary', 15],
      [3, 'engineering-manager', 30],
    ]);
    expect((await timelineOf(service, tenant, incidents[0]!.id)).map((e) => e.type)).toEqual([
      'opened',
    ]);
  });

  it('appends a recurrence for a new AlertTriggered with the same fingerprint, still one incident', async () => {
    clock.advanceMinutes(2);
    const again = alertTriggered({ tenantId: tenant, alertRuleId, firedAt: clock.iso() });
    expect(again.eventId).not.toBe(first.eventId);
    expect(again.payload.fingerprint).toBe(fingerprint);
    await publisher.publish(again);
    const [incident] = await waitForIncidents(tenant, bySourceRef(fingerprint));
    await expect
      .poll(async () => (await timelineOf(service, tenant, incident!.id)).map((e) => e.type), {
        timeout: 30_000,
        interval: 100,
      })
      .toEqual(['opened', 'recurrence']);
    const recurrence = (await timelineOf(service, tenant, incident!.id))[1]!;
    expect(recurrence).toEqual({
      timestamp: again.payload.firedAt,
      type: 'recurrence',
      actor: alertRuleId,
      note: 'http.server.duration p95 = 412 (gt 300)',
    });
    expect((await listOf(service, tenant)).filter(bySourceRef(fingerprint))).toHaveLength(1);
  });

  it('returns a mitigated incident to investigating when its alert fires again (regression)', async () => {
    const [incident] = await waitForIncidents(tenant, bySourceRef(fingerprint));
    for (const verb of ['acknowledge', 'investigate', 'mitigate']) {
      clock.advanceMinutes(1);
      expect((await runCommand(service, tenant, incident!.id, verb)).statusCode).toBe(200);
    }
    clock.advanceMinutes(1);
    await publisher.publish(
      alertTriggered({ tenantId: tenant, alertRuleId, firedAt: clock.iso() }),
    );
    await expect
      .poll(
        async () => (await listOf(service, tenant)).find((i) => i.id === incident!.id)?.status,
        {
          timeout: 30_000,
          interval: 100,
        },
      )
      .toBe('investigating');
  });

  it('opens a new incident for the same fingerprint once the first is resolved', async () => {
    const [incident] = await waitForIncidents(tenant, bySourceRef(fingerprint));
    clock.advanceMinutes(1);
    const resolved = await runCommand(service, tenant, incident!.id, 'resolve', {
      actor: 'alice',
      rootCause: 'slow payment gateway',
    });
    expect(resolved.statusCode, resolved.body).toBe(200);
    clock.advanceMinutes(1);
    await publisher.publish(
      alertTriggered({ tenantId: tenant, alertRuleId, firedAt: clock.iso() }),
    );
    const both = await waitForIncidents(tenant, bySourceRef(fingerprint), 2);
    expect(both.map((i) => i.status).sort()).toEqual(['open', 'resolved']);
    // The resolved one gained nothing: resolved is final.
    expect((await timelineOf(service, tenant, incident!.id)).at(-1)?.type).toBe('resolved');
  });

  it('takes the eleven dimensions from a group that carries them all', async () => {
    const own = uniqueTenant('inc-dims');
    const group = {
      projectId: 'checkout',
      moduleId: 'payments',
      artifactId: 'payments-api',
      executionId: 'exec-7',
      agentId: 'none',
      'service.name': 'payments-api',
      serviceVersion: '1.2.3',
      environment: 'production',
      region: 'westeurope',
      origin: 'agent',
    };
    const event = alertTriggered({ tenantId: own, group, groupKey: 'all', firedAt: clock.iso() });
    await publisher.publish(event);
    const [incident] = await waitForIncidents(own, bySourceRef(event.payload.fingerprint));
    expect(incident!.dimensions).toEqual({
      tenantId: own,
      projectId: 'checkout',
      moduleId: 'payments',
      artifactId: 'payments-api',
      executionId: 'exec-7',
      agentId: 'none',
      service: 'payments-api',
      serviceVersion: '1.2.3',
      environment: 'production',
      region: 'westeurope',
      origin: 'agent',
    });
  });

  it("refuses an alert whose group names another tenant: dead-lettered, no incident (the incident's tenant is the event's)", async () => {
    const own = uniqueTenant('inc-mismatch');
    const group = {
      tenantId: 'someone-else',
      projectId: 'p',
      moduleId: 'm',
      artifactId: 'a',
      executionId: 'e',
      agentId: 'none',
      service: 's',
      serviceVersion: '1',
      environment: 'prod',
      region: 'r',
      origin: 'agent',
    };
    const event = alertTriggered({ tenantId: own, group, groupKey: 'x', firedAt: clock.iso() });
    await publisher.publish(event);
    await expect
      .poll(() => dlq.records.filter((r) => r.envelope?.eventId === event.eventId).length, {
        timeout: 30_000,
        interval: 100,
      })
      .toBe(1);
    expect(dlq.messageOf(event.eventId)?.headers[DLQ_HEADERS.error]).toMatch(/another tenant/);
    expect(await listOf(service, own)).toEqual([]);
  });

  it("keeps each tenant's incidents to itself: the same fingerprint in two tenants opens two", async () => {
    const a = uniqueTenant('inc-a');
    const b = uniqueTenant('inc-b');
    const ruleId = randomUUID();
    const forA = alertTriggered({ tenantId: a, alertRuleId: ruleId, firedAt: clock.iso() });
    const forB = alertTriggered({ tenantId: b, alertRuleId: ruleId, firedAt: clock.iso() });
    await publisher.publish(forA);
    await publisher.publish(forB);
    const [inA] = await waitForIncidents(a, bySourceRef(forA.payload.fingerprint));
    const [inB] = await waitForIncidents(b, bySourceRef(forB.payload.fingerprint));
    expect(inA!.id).not.toBe(inB!.id);
    expect(inA!.tenantId).toBe(a);
    expect(inB!.tenantId).toBe(b);
  });
});

describe("AlertTriggered and the rule's actions", () => {
  const tenant = uniqueTenant('inc-actions');

  it('opens no incident for a rule without an incident action', async () => {
    const alertRuleId = randomUUID();
    const quiet = alertTriggered({
      tenantId: tenant,
      alertRuleId,
      firedAt: clock.iso(),
      actions: [{ type: 'webhook', target: randomUUID() }],
    });
    await publisher.publish(quiet);
    // The marker (same rule, same partition, with an incident action) is consumed after it.
    await drain(tenant, alertRuleId);
    expect((await listOf(service, tenant)).filter(bySourceRef(quiet.payload.fingerprint))).toEqual(
      [],
    );
  });

  it('opens one for a rule with an incident action', async () => {
    const loud = alertTriggered({
      tenantId: tenant,
      firedAt: clock.iso(),
      actions: [
        { type: 'email', target: 'ops@example.com' },
        { type: 'incident', target: 'payments-oncall' },
      ],
    });
    await publisher.publish(loud);
    await waitForIncidents(tenant, bySourceRef(loud.payload.fingerprint));
  });

  it('opens one for an AlertTriggered without actions (a producer older than the field)', async () => {
    const old = alertTriggered({ tenantId: tenant, firedAt: clock.iso(), actions: null });
    expect('actions' in old.payload).toBe(false);
    await publisher.publish(old);
    await waitForIncidents(tenant, bySourceRef(old.payload.fingerprint));
  });
});

describe('AlertResolved → the incident timeline', () => {
  const tenant = uniqueTenant('inc-resolved');

  it("records the alert's recovery on its incident's timeline, without changing its status", async () => {
    const alert = alertTriggered({ tenantId: tenant, firedAt: clock.iso() });
    await publisher.publish(alert);
    const [incident] = await waitForIncidents(tenant, bySourceRef(alert.payload.fingerprint));
    const resolvedAt = new Date(Date.parse(alert.payload.firedAt) + 120_000).toISOString();
    await publisher.publish(alertResolved(alert, resolvedAt));
    await expect
      .poll(async () => (await timelineOf(service, tenant, incident!.id)).map((e) => e.type), {
        timeout: 30_000,
      })
      .toEqual(['opened', 'alert_resolved']);
    const line = (await timelineOf(service, tenant, incident!.id))[1];
    expect(line).toMatchObject({
      actor: alert.payload.alertRuleId,
      note: 'alert resolved: http.server.duration p95 = 120 (gt 300) for 1 window',
    });
    expect((await listOf(service, tenant)).find((i) => i.id === incident!.id)?.status).toBe('open');
  });

  it('changes nothing for an alert without an incident (and dead-letters nothing)', async () => {
    const alertRuleId = randomUUID();
    const quiet = alertTriggered({
      tenantId: tenant,
      alertRuleId,
      firedAt: clock.iso(),
      actions: [{ type: 'webhook', target: randomUUID() }],
    });
    await publisher.publish(quiet);
    await publisher.publish(alertResolved(quiet, clock.iso(), null));
    await drain(tenant, alertRuleId);
    expect((await listOf(service, tenant)).filter(bySourceRef(quiet.payload.fingerprint))).toEqual(
      [],
    );
    expect(dlq.of(tenant, 'AlertResolved')).toEqual([]);
  });
});

describe('SloBreached → incident', () => {
  it('opens an incident with source slo and appends a recurrence for the next breach', async () => {
    const tenant = uniqueTenant('inc-slo');
    const breach = sloBreached({ tenantId: tenant, breachedAt: clock.iso(), traceId: TRACE_ID });
    await publisher.publish(breach);
    await publisher.publish(breach);
    const [incident] = await waitForIncidents(tenant, bySourceRef(breach.payload.sloId));
    expect(incident).toMatchObject({
      tenantId: tenant,
      source: 'slo',
      sourceRef: breach.payload.sloId,
      title: 'SLO breached: Payments availability',
      severity: 'critical',
      status: 'open',
      projectId: 'checkout',
      moduleId: null,
      traceId: TRACE_ID,
      openedAt: breach.payload.breachedAt,
    });
    clock.advanceMinutes(3);
    const next = sloBreached({
      tenantId: tenant,
      sloId: breach.payload.sloId,
      breachedAt: clock.iso(),
    });
    await publisher.publish(next);
    await expect
      .poll(async () => (await timelineOf(service, tenant, incident!.id)).map((e) => e.type), {
        timeout: 30_000,
        interval: 100,
      })
      .toEqual(['opened', 'recurrence']);
    expect((await listOf(service, tenant)).filter(bySourceRef(breach.payload.sloId))).toHaveLength(
      1,
    );
  });
});

describe('SloBreached on a mitigated incident', () => {
  it('regresses it to investigating, as an alert recurrence does', async () => {
    const tenant = uniqueTenant('inc-slo-regress');
    const breach = sloBreached({ tenantId: tenant, breachedAt: clock.iso() });
    await publisher.publish(breach);
    const [incident] = await waitForIncidents(tenant, bySourceRef(breach.payload.sloId));
    for (const verb of ['acknowledge', 'investigate', 'mitigate']) {
      clock.advanceMinutes(1);
      const res = await runCommand(service, tenant, incident!.id, verb);
      expect(res.statusCode, res.body).toBe(200);
    }
    clock.advanceMinutes(1);
    await publisher.publish(
      sloBreached({ tenantId: tenant, sloId: breach.payload.sloId, breachedAt: clock.iso() }),
    );
    await expect
      .poll(
        async () => (await listOf(service, tenant)).find((i) => i.id === incident!.id)?.status,
        { timeout: 30_000, interval: 100 },
      )
      .toBe('investigating');
    const timeline = await timelineOf(service, tenant, incident!.id);
    expect(timeline.slice(-2)).toEqual([
      {
        timestamp: clock.iso(),
        type: 'recurrence',
        actor: breach.payload.sloId,
        note: 'SLO Payments availability breached again: 0.12% bad events (budget 0.1%)',
      },
      {
        timestamp: clock.iso(),
        type: 'investigating',
        actor: 'system',
        note: 'regression: SLO breached again',
      },
    ]);
  });
});

describe('IncidentOpened and IncidentResolved on obs.incident.v1', () => {
  const expectCanonical = (envelope: Envelope, tenantId: string, incidentId: string) => {
    expect(envelope).toMatchObject({
      specVersion: '1.0',
      producer: 'incident-service',
      tenantId,
      traceId: TRACE_ID,
      aggregate: { type: 'Incident', id: incidentId },
    });
    expect(probe.messageOf(envelope.eventId)?.headers).toMatchObject({
      'event-type': envelope.eventType,
      'event-version': '1',
      'tenant-id': tenantId,
    });
  };

  it('publishes valid envelopes carrying the incident traceId and tenant (manual incident)', async () => {
    const tenant = uniqueTenant('inc-events');
    const incident = await openManual(service, tenant, { traceId: TRACE_ID });
    clock.advanceMinutes(1);
    expect((await runCommand(service, tenant, incident.id, 'acknowledge')).statusCode).toBe(200);
    clock.advanceMinutes(1);
    const resolved = await runCommand(service, tenant, incident.id, 'resolve', {
      actor: 'alice',
      rootCause: 'expired certificate',
    });
    expect(resolved.statusCode).toBe(200);

    const [opened] = await probe.waitFor(tenant, 'IncidentOpened');
    const [acknowledged] = await probe.waitFor(tenant, 'IncidentAcknowledged');
    const [done] = await probe.waitFor(tenant, 'IncidentResolved');
    expectCanonical(opened!, tenant, incident.id);
    expectCanonical(acknowledged!, tenant, incident.id);
    expectCanonical(done!, tenant, incident.id);
    expect(opened!.aggregate.version).toBe(1);
    expect(acknowledged!.aggregate.version).toBe(2);
    expect(done!.aggregate.version).toBe(3);
    expect(opened!.payload).toMatchObject({
      incidentId: incident.id,
      source: 'manual',
      sourceRef: null,
      openedAt: incident.openedAt,
    });
    expect(done!.payload).toMatchObject({
      incidentId: incident.id,
      rootCause: 'expired certificate',
      durationMs: 2 * 60_000,
    });
    expect(probe.invalid()).toEqual([]);
  });

  it('publishes IncidentOpened for an alert incident, caused by the AlertTriggered', async () => {
    const tenant = uniqueTenant('inc-events-alert');
    const event = alertTriggered({ tenantId: tenant, firedAt: clock.iso() });
    await publisher.publish(event);
    const [incident] = await waitForIncidents(tenant, bySourceRef(event.payload.fingerprint));
    const [opened] = await probe.waitFor(tenant, 'IncidentOpened');
    expectCanonical(opened!, tenant, incident!.id);
    expect(opened!.causationId).toBe(event.eventId);
    expect(opened!.payload).toMatchObject({
      source: 'alert',
      sourceRef: event.payload.fingerprint,
    });
  });
});

/**
 * Replayed signals (older than the default one-hour INCIDENT_REPLAY_HORIZON_MS when consumed) open
 * at their event time but escalate from the intake. Last in the file: its ticks escalate every
 * due incident, the earlier tests' included.
 */
describe('replayed signals do not page every overdue step at once', () => {
  const DAY_MINUTES = 24 * 60;
  let scheduler: EscalationScheduler;
  beforeAll(() => {
    scheduler = new EscalationScheduler(
      service.ctx,
      incidentStore(service.ctx.dataSource, service.ctx.uow),
    );
  });
  const levelsFor = (result: TickResult, id: string): number[] =>
    result.escalations
      .filter((e) => e.incidentId === id)
      .flatMap((e) => e.steps.map((s) => s.level));

  it('opens an AlertTriggered fired 3 days ago at firedAt, with escalations counted from intake', async () => {
    const tenant = uniqueTenant('inc-replay');
    const event = alertTriggered({ tenantId: tenant, firedAt: clock.iso(-3 * DAY_MINUTES) });
    const intakeAt = clock.nowMs;
    await publisher.publish(event);
    const [incident] = await waitForIncidents(tenant, bySourceRef(event.payload.fingerprint));
    expect(incident).toMatchObject({
      openedAt: event.payload.firedAt,
      escalationStartsAt: new Date(intakeAt).toISOString(),
      nextEscalationAt: new Date(intakeAt + 5 * 60_000).toISOString(),
    });

    // Every step is days overdue on event time; from intake, none is due yet.
    expect(levelsFor(await scheduler.tick(), incident!.id)).toEqual([]);
    clock.advanceMinutes(4);
    expect(levelsFor(await scheduler.tick(), incident!.id)).toEqual([]);
    clock.advanceMinutes(1);
    expect(levelsFor(await scheduler.tick(), incident!.id)).toEqual([1]);
    clock.advanceMinutes(10);
    expect(levelsFor(await scheduler.tick(), incident!.id)).toEqual([2]);
    clock.advanceMinutes(15);
    expect(levelsFor(await scheduler.tick(), incident!.id)).toEqual([3]);

    const escalated = (await timelineOf(service, tenant, incident!.id)).filter(
      (e) => e.type === 'escalated',
    );
    expect(escalated.map((e) => [e.note, Date.parse(e.timestamp) - intakeAt])).toEqual([
      ['level 1: on-call-primary', 5 * 60_000],
      ['level 2: on-call-secondary', 15 * 60_000],
      ['level 3: engineering-manager', 30 * 60_000],
    ]);
  });

  it('keeps event time within the horizon: an alert 20 minutes late pages the two overdue steps', async () => {
    const tenant = uniqueTenant('inc-late');
    const event = alertTriggered({ tenantId: tenant, firedAt: clock.iso(-20) });
    await publisher.publish(event);
    const [incident] = await waitForIncidents(tenant, bySourceRef(event.payload.fingerprint));
    expect(incident!.escalationStartsAt).toBe(event.payload.firedAt);
    expect(levelsFor(await scheduler.tick(), incident!.id)).toEqual([1, 2]);
  });

  it('applies the same rule to an SloBreached from 3 days ago', async () => {
    const tenant = uniqueTenant('inc-slo-replay');
    const breach = sloBreached({ tenantId: tenant, breachedAt: clock.iso(-3 * DAY_MINUTES) });
    const intakeAt = clock.nowMs;
    await publisher.publish(breach);
    const [incident] = await waitForIncidents(tenant, bySourceRef(breach.payload.sloId));
    expect(incident).toMatchObject({
      openedAt: breach.payload.breachedAt,
      escalationStartsAt: new Date(intakeAt).toISOString(),
    });
    expect(levelsFor(await scheduler.tick(), incident!.id)).toEqual([]);
    clock.advanceMinutes(5);
    expect(levelsFor(await scheduler.tick(), incident!.id)).toEqual([1]);
  });
});
