import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { alertRuleConfigFrom, createAlertRuleService } from '@obs/alert-rule-service';
import { createFeedbackService, feedbackConfigFrom } from '@obs/feedback-service';
import { incidentService } from '@obs/incident-service';
import { qualityScoreService } from '@obs/quality-score-service';
import type { RunningService } from '@obs/service-kit';
import { bearer, buildEvent, busMessageOf, startTestService } from '@obs/service-kit/testing';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/**
 * Issue 29's loop end to end over real Kafka and Postgres and four real services: an SLO breach
 * (SloBreached, published as slo-service's relay would; e2e/slo-breach covers slo-service making
 * it) → incident-service opens an incident → resolved by a person → feedback-service makes the
 * feedback and a routing rule routes it to an agent → alert-rule-service notifies the agent's
 * receiver (a real HTTP server, Standard Webhooks signed) → the agent lists its inbox with its
 * ingest token and applies the item with a changeRef → quality-score-service counts the breach
 * once (the incident and both feedback items are the same cause) and sees the item applied.
 */
const tenant = `e2e-route-${Date.now()}`;
const person = bearer(tenant, ['read', 'write']);
const agent = bearer(tenant, ['ingest'], 'agent-fixer-7');

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}
const received: Received[] = [];
let server: Server;
let alerts: RunningService;
let incidents: RunningService;
let feedback: RunningService;
let quality: RunningService;

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
  [alerts, incidents, feedback, quality] = await Promise.all([
    // The receiver listens on 127.0.0.1: private targets allowed, delivery every 200 ms.
    startTestService(
      createAlertRuleService(
        alertRuleConfigFrom({ NOTIFY_ALLOW_PRIVATE_TARGETS: 'true', NOTIFY_INTERVAL_MS: '200' }),
      ),
    ),
    startTestService(incidentService),
    startTestService(
      createFeedbackService({
        ...feedbackConfigFrom({}),
        storageConnectionString: inject('infra').azureStorageConnectionString,
      }),
    ),
    startTestService(qualityScoreService),
  ]);
}, 300_000);
afterAll(async () => {
  await Promise.all([alerts, incidents, feedback, quality].map((s) => s?.close()));
  await new Promise((resolve) => server.close(resolve));
});

async function call<T>(
  service: RunningService,
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string>,
  payload?: Record<string, unknown>,
): Promise<T> {
  const res = await service.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json<T>();
}

interface Item {
  id: string;
  source: string;
  sourceId: string | null;
  status: string;
  routedTo: string | null;
  appliedChangeRef: string | null;
}
interface Score {
  dimensions: Record<string, number>;
  overall: number;
}

describe('SLO breach → incident → feedback routed to an agent → applied', () => {
  it('wakes the agent, lets it apply from its inbox, and scores the breach once', async () => {
    const { port } = server.address() as AddressInfo;
    const receiver = await call<{ id: string; secret: string }>(
      alerts,
      'POST',
      '/v1/receivers',
      person,
      { name: 'fixer agent', type: 'webhook', url: `http://127.0.0.1:${port}/agent` },
    );
    await call(feedback, 'POST', '/v1/feedback-routes', person, {
      name: 'incident lessons to the fixer agent',
      position: 10,
      matchers: [
        { name: 'source', operator: '=', value: 'incident' },
        { name: 'project', operator: '=', value: 'checkout' },
      ],
      to: 'agent-fixer-7',
      receiverId: receiver.id,
    });

    const breach = buildEvent('SloBreached', {
      tenantId: tenant,
      payload: {
        projectId: 'checkout',
        name: 'Checkout availability',
        breachedAt: new Date().toISOString(),
      },
    });
    await incidents.ctx.bus.publish([busMessageOf(breach)]);

    let incidentId = '';
    await expect
      .poll(
        async () => {
          const page = await call<{ items: { id: string }[] }>(
            incidents,
            'GET',
            '/v1/incidents?projectId=checkout',
            person,
          );
          incidentId = page.items[0]?.id ?? '';
          return incidentId;
        },
        { timeout: 90_000, interval: 200 },
      )
      .not.toBe('');
    await call(incidents, 'POST', `/v1/incidents/${incidentId}/resolve`, person, {
      actor: 'alice',
      rootCause: 'A config change halved the connection pool',
    });

    // The agent's receiver is woken with a signed message naming the item.
    await expect.poll(() => received.length, { timeout: 90_000, interval: 200 }).toBe(1);
    const [wake] = received;
    expect(() =>
      new Webhook(receiver.secret).verify(wake!.body, {
        'webhook-id': String(wake!.headers['webhook-id']),
        'webhook-timestamp': String(wake!.headers['webhook-timestamp']),
        'webhook-signature': String(wake!.headers['webhook-signature']),
      }),
    ).not.toThrow();
    const message = JSON.parse(wake!.body) as {
      alerts: { labels: Record<string, string> }[];
    };
    const itemId = message.alerts[0]?.labels.feedbackItemId;
    expect(message.alerts[0]?.labels).toMatchObject({ routedTo: 'agent-fixer-7' });

    // The agent reads its own inbox with its ingest token and applies the item.
    const inbox = await call<{ items: Item[] }>(
      feedback,
      'GET',
      '/v1/feedback?status=routed',
      agent,
    );
    expect(inbox.items).toEqual([
      expect.objectContaining({
        id: itemId,
        source: 'incident',
        sourceId: incidentId,
        routedTo: 'agent-fixer-7',
      }),
    ]);
    const applied = await call<Item>(feedback, 'POST', `/v1/feedback/${itemId}/apply`, agent, {
      changeRef: 'github:acme/checkout#1432',
    });
    expect(applied).toMatchObject({
      status: 'applied',
      appliedChangeRef: 'github:acme/checkout#1432',
    });
    // The breach's own feedback matched no rule: still captured, in nobody's inbox.
    const all = await call<{ items: Item[] }>(feedback, 'GET', '/v1/feedback', person);
    expect(all.items.map((i) => [i.source, i.status]).sort()).toEqual([
      ['incident', 'applied'],
      ['runtime-signal', 'captured'],
    ]);

    // A later, unrelated complaint about performance: once the score shows it, the signals
    // published before it (the breach, the incident, both items, the apply) are in too.
    await call(feedback, 'POST', '/v1/feedback', person, {
      projectId: 'checkout',
      category: 'performance',
      sentiment: 'negative',
      summary: 'Checkout pages are slow since the fix',
    });
    let score: Score | undefined;
    await expect
      .poll(
        async () => {
          const res = await quality.app.inject({
            method: 'GET',
            url: '/v1/quality-scores/checkout',
            headers: person,
          });
          score = res.statusCode === 200 ? res.json<Score>() : undefined;
          return score?.dimensions.performance;
        },
        { timeout: 90_000, interval: 300 },
      )
      .toBe(0.8);
    // The breach, the incident it opened and both feedback items are one cause: reliability is
    // the breach's S = 0.5 alone (each counted, it would be 0.5 · I · 4/5 · 4/5 or less).
    expect(score!.dimensions.reliability).toBe(0.5);
    expect(score!.overall).toBe(0.81); // 0.3·0.5 + 0.2·0.8 + 0.1 + 0.15 + 0.25
  }, 300_000);
});
