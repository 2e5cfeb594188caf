import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { alertRuleConfigFrom, createAlertRuleService } from '@obs/alert-rule-service';
import { incidentService } from '@obs/incident-service';
import type { RunningService } from '@obs/service-kit';
import { bearer, startTestService } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 22's escalation path across both services, over real Kafka and Postgres: an incident
 * following an escalation policy escalates a step → IncidentEscalated → alert-rule-service queues
 * a notification for the step's receiver → its delivery job POSTs a signed Alertmanager v4 message
 * to a real HTTP receiver, naming who the step's schedule put on call.
 */
const tenant = `e2e-esc-${Date.now()}`;
const auth = bearer(tenant, ['read', 'write']);

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}
const received: Received[] = [];
let server: Server;
let alerts: RunningService;
let incidents: RunningService;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The receiver listens on 127.0.0.1: private targets allowed, delivery every 200 ms.
  alerts = await startTestService(
    createAlertRuleService(
      alertRuleConfigFrom({ NOTIFY_ALLOW_PRIVATE_TARGETS: 'true', NOTIFY_INTERVAL_MS: '200' }),
    ),
  );
  incidents = await startTestService(incidentService);
});
afterAll(async () => {
  await incidents.close();
  await alerts.close();
  await new Promise((resolve) => server.close(resolve));
});

async function post<T>(service: RunningService, url: string, payload: Record<string, unknown>) {
  const res = await service.app.inject({ method: 'POST', url, headers: auth, payload });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json<T>();
}

describe('an incident escalating along its policy', () => {
  it('notifies the receiver of the step with a signed Alertmanager message naming the on-call member, and stops at acknowledge', async () => {
    const { port } = server.address() as AddressInfo;
    const receiver = await post<{ id: string; secret: string }>(alerts, '/v1/receivers', {
      name: 'payments hook',
      type: 'webhook',
      url: `http://127.0.0.1:${port}/hook`,
    });
    const schedule = await post<{ id: string }>(incidents, '/v1/schedules', {
      name: 'payments primary',
      layers: [
        {
          members: ['alice@example.com'],
          rotationLength: 1,
          rotationUnit: 'weeks',
          startDate: '2024-01-01',
          handoffTime: '09:00',
          timeZone: 'Europe/Berlin',
        },
      ],
    });
    const policy = await post<{ id: string }>(incidents, '/v1/escalation-policies', {
      name: 'payments',
      steps: [
        { delayMinutes: 5, receiverIds: [receiver.id], scheduleIds: [schedule.id] },
        { delayMinutes: 30, receiverIds: [receiver.id] },
      ],
    });
    const incident = await post<{ id: string; escalationPolicyId: string }>(
      incidents,
      '/v1/incidents',
      {
        title: 'Checkout is failing',
        severity: 'critical',
        projectId: 'checkout',
        escalationPolicyId: policy.id,
      },
    );
    expect(incident.escalationPolicyId).toBe(policy.id);
    // Page the first step now (a person decided it cannot wait five minutes).
    await post(incidents, `/v1/incidents/${incident.id}/escalate`, { actor: 'user-42' });

    await expect.poll(() => received.length, { timeout: 60_000, interval: 100 }).toBe(1);
    const [page] = received;
    const headers = {
      'webhook-id': String(page!.headers['webhook-id']),
      'webhook-timestamp': String(page!.headers['webhook-timestamp']),
      'webhook-signature': String(page!.headers['webhook-signature']),
    };
    // Standard Webhooks: v1,<base64 HMAC-SHA256 of "id.timestamp.body" under the decoded secret>.
    const expected = createHmac('sha256', Buffer.from(receiver.secret.slice(6), 'base64'))
      .update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${page!.body}`)
      .digest('base64');
    expect(headers['webhook-signature'].split(' ')).toContain(`v1,${expected}`);
    expect(JSON.parse(page!.body)).toMatchObject({
      version: '4',
      status: 'firing',
      alerts: [
        {
          labels: {
            alertname: 'Checkout is failing',
            incidentId: incident.id,
            escalationLevel: '1',
            escalationPolicyId: policy.id,
            severity: 'critical',
          },
          annotations: { onCall: 'alice@example.com' },
        },
      ],
    });
    const notifications = await alerts.app.inject({
      method: 'GET',
      url: `/v1/notifications?receiverId=${receiver.id}`,
      headers: auth,
    });
    expect(notifications.json()).toMatchObject({
      items: [
        { id: headers['webhook-id'], status: 'delivered', fingerprint: `incident:${incident.id}` },
      ],
    });
    const timeline = await incidents.app.inject({
      method: 'GET',
      url: `/v1/incidents/${incident.id}/events`,
      headers: auth,
    });
    expect(
      timeline
        .json<{ items: { type: string; note: string | null }[] }>()
        .items.map((e) => [e.type, e.note]),
    ).toEqual([
      ['opened', null],
      ['escalated', 'level 1: payments step 1'],
      ['paged', 'paged alice@example.com (on call for payments primary, level 1)'],
    ]);

    const acknowledged = await post<{ nextEscalationAt: string | null; status: string }>(
      incidents,
      `/v1/incidents/${incident.id}/acknowledge`,
      { actor: 'alice@example.com' },
    );
    expect(acknowledged).toMatchObject({ status: 'acknowledged', nextEscalationAt: null });
  });
});
