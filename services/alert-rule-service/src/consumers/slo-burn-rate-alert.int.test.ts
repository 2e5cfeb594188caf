import type { Envelope } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { bearer, buildEvent, busMessageOf, expectProblem } from '@obs/service-kit/testing';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createReceiver,
  listNotifications,
  startAlertRuleService,
  startWebhookCatcher,
  type CaughtRequest,
  type WebhookCatcher,
  uniqueTenant,
  type NotificationItem,
} from '../../test/alert-rule-test-kit.js';
import { NOTIFICATION_DELIVERY_JOB } from '../jobs/notification-delivery.job.js';
import { notificationIdOf } from '../notify/escalation-notifications.js';

/**
 * SloBurnRateAlertFired/Resolved over real Kafka → one notification per receiver the SLO names,
 * idempotent by event id, delivered by the existing job to a real HTTP receiver as a signed
 * Alertmanager v4 message; and GET /v1/notifications filtered by SLO, incident, rule, receiver
 * and status, within the caller's tenant.
 */
let catcher: WebhookCatcher;
let received: CaughtRequest[] = [];
let base = '';
let service: RunningService;

beforeAll(async () => {
  catcher = await startWebhookCatcher();
  ({ received, url: base } = catcher);
  service = await startAlertRuleService({ runJobs: false });
});
afterAll(async () => {
  await service.close();
  await catcher.close();
});

const publish = (...envelopes: Envelope[]) =>
  service.ctx.bus.publish(envelopes.map((e) => busMessageOf(e)));
const runDelivery = () => service.jobs.get(NOTIFICATION_DELIVERY_JOB)?.runOnce();
const requestsTo = (path: string) => received.filter((r) => r.path === path);

interface BurnInput {
  readonly tenantId: string;
  readonly sloId: string;
  readonly receivers: string[];
  readonly severity?: 'page' | 'ticket';
  readonly firedAt?: string;
}

function fired(input: BurnInput): Envelope<'SloBurnRateAlertFired'> {
  return buildEvent('SloBurnRateAlertFired', {
    tenantId: input.tenantId,
    aggregateId: input.sloId,
    payload: {
      sloId: input.sloId,
      name: 'Payments availability',
      projectId: 'checkout',
      severity: input.severity ?? 'page',
      dimensions: { service: 'payments-api' },
      receivers: input.receivers,
      firedAt: input.firedAt ?? new Date().toISOString(),
    },
  });
}

function resolved(input: BurnInput & { firedAt: string }): Envelope<'SloBurnRateAlertResolved'> {
  return buildEvent('SloBurnRateAlertResolved', {
    tenantId: input.tenantId,
    aggregateId: input.sloId,
    payload: {
      sloId: input.sloId,
      name: 'Payments availability',
      projectId: 'checkout',
      severity: input.severity ?? 'page',
      dimensions: { service: 'payments-api' },
      receivers: input.receivers,
      firedAt: input.firedAt,
      resolvedAt: new Date().toISOString(),
    },
  });
}

interface SloNotification extends NotificationItem {
  sloId: string | null;
  incidentId: string | null;
}

async function waitForNotifications(
  auth: Record<string, string>,
  count: number,
  query: Record<string, string> = {},
): Promise<SloNotification[]> {
  await expect
    .poll(async () => (await listNotifications(service, auth, query)).length, {
      timeout: 60_000,
      interval: 100,
    })
    .toBeGreaterThanOrEqual(count);
  return (await listNotifications(service, auth, query)) as SloNotification[];
}

describe('SLO burn-rate alerts → notifications', () => {
  it('queues one notification per receiver the SLO names (once per event), sends it signed as an Alertmanager v4 alert, and the resolution to receivers with sendResolved', async () => {
    const tenant = uniqueTenant('slo-notify');
    const auth = bearer(tenant, ['read', 'write']);
    const loud = await createReceiver(service, auth, `${base}/slo-loud`, { sendResolved: true });
    const quiet = await createReceiver(service, auth, `${base}/slo-quiet`);
    const foreign = await createReceiver(
      service,
      bearer(uniqueTenant('slo-foreign'), ['write']),
      `${base}/slo-foreign`,
    );
    const sloId = crypto.randomUUID();
    const receivers = [loud.id, quiet.id.toUpperCase(), foreign.id, crypto.randomUUID()];
    const page = fired({ tenantId: tenant, sloId, receivers });
    await publish(page);
    await publish(page);
    // A later event of the same SLO (same key, same partition): once it is in, the redelivery
    // before it has been consumed too.
    const ticket = fired({ tenantId: tenant, sloId, receivers: [loud.id], severity: 'ticket' });
    await publish(ticket);
    const items = await waitForNotifications(auth, 3, { sloId });

    // The page once per receiver of the tenant (the other tenant's and unknown ids skipped),
    // with ids derived from (event, receiver); the ticket is an alert of its own.
    expect(items.map((n) => n.id).sort()).toEqual(
      [
        notificationIdOf(page.eventId, loud.id),
        notificationIdOf(page.eventId, quiet.id),
        notificationIdOf(ticket.eventId, loud.id),
      ].sort(),
    );
    for (const item of items) {
      expect(item).toMatchObject({
        sloId,
        alertRuleId: null,
        incidentId: null,
        status: 'pending',
        attempts: 0,
      });
    }
    expect(items.map((n) => n.fingerprint).sort()).toEqual(
      [`${sloId}:page`, `${sloId}:page`, `${sloId}:ticket`].sort(),
    );

    await runDelivery();
    const delivered = await listNotifications(service, auth, { sloId, status: 'delivered' });
    expect(delivered).toHaveLength(3);
    const [request] = requestsTo('/slo-quiet');
    expect(request?.headers['webhook-id']).toBe(notificationIdOf(page.eventId, quiet.id));
    expect(() =>
      new Webhook(quiet.secret).verify(
        request?.body ?? '',
        request?.headers as Record<string, string>,
      ),
    ).not.toThrow();
    const message = JSON.parse(request?.body ?? '{}') as Record<string, unknown>;
    expect(message).toMatchObject({
      version: '4',
      status: 'firing',
      groupLabels: { alertname: 'SloBurnRate', slo_id: sloId },
      alerts: [
        {
          status: 'firing',
          labels: {
            alertname: 'SloBurnRate',
            slo_id: sloId,
            slo_name: 'Payments availability',
            severity: 'page',
            project: 'checkout',
            service: 'payments-api',
          },
          annotations: { rules: 'page-1h-5m', burnRate1h: '20.00', fingerprint: `${sloId}:page` },
          startsAt: page.payload.firedAt,
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) as string,
        },
      ],
    });
    expect(requestsTo('/slo-foreign')).toHaveLength(0);

    // Resolved: only to the receiver that asked for it (sendResolved) and was sent the firing.
    const end = resolved({ tenantId: tenant, sloId, receivers, firedAt: page.payload.firedAt });
    await publish(end);
    await waitForNotifications(auth, 4, { sloId });
    await runDelivery();
    const resolutions = requestsTo('/slo-loud')
      .map((r) => JSON.parse(r.body) as { status: string; alerts: Record<string, unknown>[] })
      .filter((m) => m.status === 'resolved');
    expect(resolutions).toHaveLength(1);
    const firingLabels = (message.alerts as Record<string, unknown>[])[0]?.labels;
    expect(resolutions[0]?.alerts[0]).toMatchObject({
      status: 'resolved',
      labels: firingLabels,
      startsAt: page.payload.firedAt,
      endsAt: end.payload.resolvedAt,
    });
    expect(requestsTo('/slo-quiet')).toHaveLength(1);
  });

  it('sends nothing for an alert a silence matches, nor for one older than an hour when consumed', async () => {
    const tenant = uniqueTenant('slo-muted');
    const auth = bearer(tenant, ['read', 'write']);
    const receiver = await createReceiver(service, auth, `${base}/slo-muted`);
    const silencedSlo = crypto.randomUUID();
    const silence = await service.app.inject({
      method: 'POST',
      url: '/v1/silences',
      headers: auth,
      payload: {
        matchers: [{ name: 'slo_id', operator: '=', value: silencedSlo }],
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        comment: 'planned failover',
      },
    });
    expect(silence.statusCode, silence.body).toBe(201);
    const old = fired({
      tenantId: tenant,
      sloId: crypto.randomUUID(),
      receivers: [receiver.id],
      firedAt: new Date(Date.now() - 2 * 3_600_000).toISOString(),
    });
    const muted = fired({ tenantId: tenant, sloId: silencedSlo, receivers: [receiver.id] });
    // The marker (another SLO, queued) is published last on the same tenant's events.
    const markerSlo = crypto.randomUUID();
    const marker = fired({ tenantId: tenant, sloId: markerSlo, receivers: [receiver.id] });
    await publish(old, muted);
    await publish(marker);
    await waitForNotifications(auth, 1, { sloId: markerSlo });
    // The old and the muted alerts are on other partitions (keyed by SLO): give them the same
    // chance by waiting for their inbox rows before asserting nothing was queued.
    await expect
      .poll(
        async () =>
          (
            await service.ctx.dataSource.query<unknown[]>(
              `SELECT 1 FROM ${service.ctx.table('inbox')} WHERE event_id = ANY($1::uuid[])`,
              [[old.eventId, muted.eventId]],
            )
          ).length,
        { timeout: 60_000, interval: 100 },
      )
      .toBe(2);
    expect((await listNotifications(service, auth)).map((n) => n.fingerprint)).toEqual([
      `${markerSlo}:page`,
    ]);
  });
});

describe('GET /v1/notifications filters', () => {
  it('filters by incidentId, sloId, alertRuleId, receiverId and status, AND-combined and within the tenant; a malformed filter is a 400 naming it', async () => {
    const tenant = uniqueTenant('notify-filters');
    const auth = bearer(tenant, ['read', 'write']);
    const otherAuth = bearer(uniqueTenant('notify-filters-other'), ['read', 'write']);
    const a = await createReceiver(service, auth, `${base}/filter-a`);
    const b = await createReceiver(service, auth, `${base}/filter-b`);
    const sloId = crypto.randomUUID();
    const incidentId = crypto.randomUUID();
    const rule = '3f1c2b7a-9d4e-4c1f-8a2b-5e6d7f8a9b0c';
    await publish(fired({ tenantId: tenant, sloId, receivers: [a.id, b.id] }));
    await publish(
      buildEvent('IncidentEscalated', {
        tenantId: tenant,
        aggregateId: incidentId,
        payload: {
          incidentId,
          level: 1,
          target: 'Payments step 1',
          escalatedAt: new Date().toISOString(),
          receiverIds: [a.id],
          sourceRef: `${rule}:service=payments-api`,
        },
      }),
    );
    await waitForNotifications(auth, 3);
    const ids = async (query: Record<string, string>) =>
      (await listNotifications(service, auth, query)).map((n) => n.receiverId).sort();

    expect(await ids({ sloId })).toEqual([a.id, b.id].sort());
    expect(await ids({ incidentId })).toEqual([a.id]);
    expect(await ids({ alertRuleId: rule })).toEqual([a.id]);
    expect(await ids({ receiverId: b.id })).toEqual([b.id]);
    expect(await ids({ receiverId: a.id, sloId })).toEqual([a.id]);
    expect(await ids({ receiverId: b.id, incidentId })).toEqual([]);
    expect(await ids({ incidentId, status: 'pending' })).toEqual([a.id]);
    expect(await ids({ incidentId, status: 'delivered' })).toEqual([]);
    const [escalation] = await listNotifications(service, auth, { incidentId });
    expect(escalation).toMatchObject({ incidentId, sloId: null, alertRuleId: rule });

    // Keyset paging through the kit's listRoute, with a filter on.
    const first = await service.app.inject({
      method: 'GET',
      url: `/v1/notifications?sloId=${sloId}&limit=1`,
      headers: auth,
    });
    const page = first.json<{ items: { id: string }[]; nextCursor: string | null }>();
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();
    const second = await service.app.inject({
      method: 'GET',
      url: `/v1/notifications?sloId=${sloId}&limit=1&cursor=${page.nextCursor ?? ''}`,
      headers: auth,
    });
    const rest = second.json<{ items: { id: string }[]; nextCursor: string | null }>();
    expect(rest.items).toHaveLength(1);
    expect(rest.nextCursor).toBeNull();
    expect(rest.items[0]?.id).not.toBe(page.items[0]?.id);

    // Another tenant sees none of them, whatever it filters by.
    const foreignQueries: Record<string, string>[] = [
      { sloId },
      { incidentId },
      { receiverId: a.id },
      { alertRuleId: rule },
    ];
    for (const query of foreignQueries) {
      expect(await listNotifications(service, otherAuth, query), JSON.stringify(query)).toEqual([]);
    }
    for (const field of ['incidentId', 'sloId', 'alertRuleId', 'receiverId']) {
      const problem = expectProblem(
        await service.app.inject({
          method: 'GET',
          url: `/v1/notifications?${field}=not-a-uuid`,
          headers: auth,
        }),
        400,
        'validation_failed',
      );
      expect(JSON.stringify(problem)).toContain(field);
    }
  });
});
