import { randomUUID } from 'node:crypto';
import { topicFor, type Envelope } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { buildEvent, busMessageOf, TestClock, TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listOf,
  sloBreached,
  startIncidentService,
  timelineOf,
  uniqueTenant,
  type IncidentBody,
} from '../../test/incident-test-kit.js';

/*
 * slo-service's burn-rate alerts → incidents, over real Kafka and PostgreSQL: the envelopes are
 * built from the registered contract and published as slo-service's relay publishes them.
 */
const clock = new TestClock();
let service: RunningService;
let opened: TopicReader;

beforeAll(async () => {
  service = await startIncidentService({ clock });
  opened = await TopicReader.open(service.ctx.bus, [topicFor('IncidentOpened')]);
});
afterAll(async () => {
  await opened.close();
  await service.close();
});

const publish = (...envelopes: Envelope[]) =>
  service.ctx.bus.publish(envelopes.map((e) => busMessageOf(e)));

const RULE = {
  rule: 'page-1h-5m' as const,
  longWindow: '1h' as const,
  shortWindow: '5m' as const,
  threshold: 14.4,
  longBurnRate: 20,
  shortBurnRate: 20,
};

function burnFired(input: {
  tenantId: string;
  sloId: string;
  firedAt: string;
  severity?: 'page' | 'ticket';
}): Envelope<'SloBurnRateAlertFired'> {
  return buildEvent('SloBurnRateAlertFired', {
    tenantId: input.tenantId,
    aggregateId: input.sloId,
    occurredAt: input.firedAt,
    payload: {
      sloId: input.sloId,
      projectId: 'checkout',
      name: 'Payments availability',
      severity: input.severity ?? 'page',
      rules:
        input.severity === 'ticket'
          ? [{ ...RULE, rule: 'ticket-3d-6h', longWindow: '3d', shortWindow: '6h', threshold: 1 }]
          : [RULE],
      firedAt: input.firedAt,
    },
  });
}

function burnResolved(input: {
  tenantId: string;
  sloId: string;
  firedAt: string;
  resolvedAt: string;
}): Envelope<'SloBurnRateAlertResolved'> {
  return buildEvent('SloBurnRateAlertResolved', {
    tenantId: input.tenantId,
    aggregateId: input.sloId,
    occurredAt: input.resolvedAt,
    payload: {
      sloId: input.sloId,
      projectId: 'checkout',
      name: 'Payments availability',
      severity: 'page',
      rules: [{ ...RULE, longBurnRate: 12, shortBurnRate: 0 }],
      budgetRemaining: 0.08,
      errorBudget: 0.1,
      firedAt: input.firedAt,
      resolvedAt: input.resolvedAt,
    },
  });
}

async function incidentsOf(tenantId: string, count: number): Promise<IncidentBody[]> {
  await expect
    .poll(async () => (await listOf(service, tenantId)).length, { timeout: 30_000, interval: 100 })
    .toBeGreaterThanOrEqual(count);
  return listOf(service, tenantId);
}

async function timelineUntil(tenantId: string, id: string, lines: number) {
  await expect
    .poll(async () => (await timelineOf(service, tenantId, id)).length, {
      timeout: 30_000,
      interval: 100,
    })
    .toBeGreaterThanOrEqual(lines);
  return timelineOf(service, tenantId, id);
}

describe('SloBurnRateAlertFired (page) → incident, SloBurnRateAlertResolved → timeline', () => {
  const tenant = uniqueTenant('inc-burn');
  const sloId = randomUUID();
  const firedAt = clock.iso(-10);
  const fired = burnFired({ tenantId: tenant, sloId, firedAt });
  let incidentId = '';

  it('opens one incident for the SLO, at firedAt, with the rule on its first line', async () => {
    await publish(fired);
    const [incident] = await incidentsOf(tenant, 1);
    expect(incident).toMatchObject({
      tenantId: tenant,
      source: 'slo',
      sourceRef: sloId,
      projectId: 'checkout',
      moduleId: null,
      title: 'SLO burning: Payments availability (page)',
      severity: 'critical',
      status: 'open',
      openedAt: firedAt,
    });
    incidentId = incident!.id;
    const [first] = await timelineOf(service, tenant, incidentId);
    expect(first).toMatchObject({ type: 'opened', actor: 'system', timestamp: firedAt });
    expect(first?.note).toBe(
      'burn-rate alert fired: page-1h-5m 20× over 1h, 20× over 5m (≥ 14.4×)',
    );
    const [announced] = await opened.waitFor(tenant, 'IncidentOpened');
    expect(announced?.payload).toMatchObject({ incidentId, source: 'slo', sourceRef: sloId });
  });

  it('is idempotent by event id: a redelivered alert changes nothing', async () => {
    await publish(fired);
    // A later event on the same SLO (same key, same partition) shows the redelivery was read.
    const marker = burnResolved({ tenantId: tenant, sloId, firedAt, resolvedAt: clock.iso(-4) });
    await publish(marker);
    const lines = await timelineUntil(tenant, incidentId, 2);
    expect(lines.map((l) => l.type)).toEqual(['opened', 'alert_resolved']);
    expect(await listOf(service, tenant)).toHaveLength(1);
  });

  it('records the clearing on the timeline without changing the status', async () => {
    const lines = await timelineOf(service, tenant, incidentId);
    expect(lines[1]).toEqual({
      timestamp: clock.iso(-4),
      type: 'alert_resolved',
      actor: sloId,
      note: 'SLO burn-rate alert (page) resolved: page-1h-5m 12× over 1h, 0× over 5m (≥ 14.4×); 0.08% of 0.1% budget left',
    });
    const [incident] = await listOf(service, tenant);
    expect(incident?.status).toBe('open');
  });

  it('takes a second page and the breach that follows on the same incident', async () => {
    await publish(
      burnFired({ tenantId: tenant, sloId, firedAt: clock.iso(-3) }),
      sloBreached({ tenantId: tenant, sloId, breachedAt: clock.iso(-1) }),
    );
    // The breach travels on another consumer group: wait for both lines.
    const lines = await timelineUntil(tenant, incidentId, 4);
    expect(lines.slice(2).map((l) => l.type)).toEqual(['recurrence', 'recurrence']);
    expect(lines.map((l) => l.note)).toContainEqual(
      'SLO Payments availability burn-rate alert (page) fired: page-1h-5m 20× over 1h, 20× over 5m (≥ 14.4×)',
    );
    expect(await listOf(service, tenant)).toHaveLength(1);
  });
});

describe('what opens nothing', () => {
  it('opens no incident for a ticket, nor for a clearing without one, and keeps tenants apart', async () => {
    const tenant = uniqueTenant('inc-burn-ticket');
    const other = uniqueTenant('inc-burn-other');
    const sloId = randomUUID();
    await publish(
      burnFired({ tenantId: tenant, sloId, firedAt: clock.iso(-5), severity: 'ticket' }),
      burnResolved({ tenantId: tenant, sloId, firedAt: clock.iso(-5), resolvedAt: clock.iso(-2) }),
      // The same SLO id in another tenant pages that tenant only.
      burnFired({ tenantId: other, sloId, firedAt: clock.iso(-1) }),
    );
    const [paged] = await incidentsOf(other, 1);
    expect(paged).toMatchObject({ tenantId: other, sourceRef: sloId });
    // Same key as the other tenant's page, published before it: consumed already.
    expect(await listOf(service, tenant)).toEqual([]);
  });
});
