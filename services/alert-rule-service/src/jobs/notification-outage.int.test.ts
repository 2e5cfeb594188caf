import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RunningService } from '@obs/service-kit';
import { bearer } from '@obs/service-kit/testing';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createReceiver,
  fireRuleAt,
  listNotifications,
  startAlertRuleService,
  uniqueTenant,
  waitUntil,
  type NotificationItem,
} from '../../test/alert-rule-test-kit.js';
import { alertRuleConfigFrom } from '../config.js';

/**
 * Issue 22's outage test: a webhook receiver is out for (at least) 60 s of real time while more
 * than 100 notifications are queued through the real path (rules firing on MetricAggregated
 * windows over Kafka), then recovers. The service's own delivery job runs on its timer with the
 * real clock. Every notification must reach the receiver, and the receiver, deduping on
 * `webhook-id`, must count each exactly once: re-sends of an id it already accepted (an attempt
 * whose answer came after the sender's deadline) are allowed, counted and printed.
 *
 * The outage cycles through four failure modes, 15 s each:
 * - refused: nothing listens on the port (connection refused);
 * - 503 with `Retry-After: 1`;
 * - 429 with `Retry-After: 2`;
 * - slow: the receiver accepts the notification but answers after the sender's deadline
 *   (`NOTIFY_TIMEOUT_MS`), so the sender sees a timeout and sends it again: the duplicates.
 */
const PHASES = ['refused', '503', '429', 'slow'] as const;
type Phase = (typeof PHASES)[number] | 'up';
const PHASE_MS = 15_000;
const OUTAGE_MS = 60_000;
const RULES = 6;
/** Receivers per rule: 6 × 20 = 120 notifications (a rule names at most 20 actions). */
const RECEIVERS_PER_RULE = 20;
const TIMEOUT_MS = 2_000;

interface Request {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly phase: Phase;
  /** The receiver processed it (a 2xx, sent in time or after the sender gave up). */
  readonly accepted: boolean;
}

const requests: Request[] = [];
const sockets = new Set<Socket>();
let server: Server;
let port = 0;
let outageStartedAt = 0;
let recovered = false;

/** The failure mode at this moment: cycles until the outage is declared over. */
function phaseNow(): Phase {
  if (recovered) return 'up';
  const index = Math.floor((Date.now() - outageStartedAt) / PHASE_MS) % PHASES.length;
  return PHASES[index] ?? 'up';
}

function newServer(): Server {
  const created = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const phase = phaseNow();
      const accepted = phase === 'up' || phase === 'slow';
      if (phase === 'refused') {
        // The port came back while a slow run cycled into this phase again: reset instead.
        req.socket.destroy();
        return;
      }
      requests.push({ path: req.url ?? '/', headers: req.headers, body, phase, accepted });
      if (phase === '503') {
        res.writeHead(503, { 'retry-after': '1' }).end();
      } else if (phase === '429') {
        res.writeHead(429, { 'retry-after': '2' }).end();
      } else if (phase === 'slow') {
        // Processed now, answered after the sender's deadline: it will send the id again.
        setTimeout(() => res.writeHead(200).end(), TIMEOUT_MS + 1_000).unref();
      } else {
        res.writeHead(200).end();
      }
    });
  });
  created.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return created;
}

async function listen(onPort: number): Promise<void> {
  server = newServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(onPort, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
}

/** Stops listening (connections refused from now on) and cuts the kept-alive connections. */
async function stopListening(): Promise<void> {
  const closed = new Promise((resolve) => server.close(resolve));
  for (const socket of sockets) socket.destroy();
  await closed;
}

let service: RunningService;

beforeAll(async () => {
  await listen(0);
  service = await startAlertRuleService({
    config: {
      notify: {
        ...alertRuleConfigFrom({}).notify,
        // Enough attempts to outlast the outage many times over, with backoff capped at 5 s.
        maxAttempts: 100,
        backoffBaseMs: 500,
        backoffMaxMs: 5_000,
        timeoutMs: TIMEOUT_MS,
        intervalMs: 200,
        allowPrivateTargets: true,
      },
    },
  });
});
afterAll(async () => {
  await service.close();
  recovered = true;
  if (server.listening) await stopListening();
});

describe('notification delivery through a 60 s receiver outage', () => {
  it('delivers every one of 120 notifications queued during the outage exactly once by webhook-id, none lost', async () => {
    const tenant = uniqueTenant('outage');
    const auth = bearer(tenant, ['read', 'write']);
    const secrets = new Map<string, string>();
    const receiverIds: string[][] = [];
    for (let rule = 0; rule < RULES; rule += 1) {
      const ids: string[] = [];
      for (let r = 0; r < RECEIVERS_PER_RULE; r += 1) {
        const path = `/hook/${rule}/${r}`;
        const receiver = await createReceiver(service, auth, `http://127.0.0.1:${port}${path}`);
        secrets.set(path, receiver.secret);
        ids.push(receiver.id);
      }
      receiverIds.push(ids);
    }

    // The outage begins: the port refuses connections first.
    outageStartedAt = Date.now();
    await stopListening();
    let listening = false;
    const notifications: NotificationItem[] = [];
    // Rules fire one after another during the outage (spread over it when the machine keeps up).
    for (let rule = 0; rule < RULES; rule += 1) {
      const due = outageStartedAt + (rule * OUTAGE_MS) / RULES;
      if (Date.now() < due) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      notifications.push(
        ...(await fireRuleAt(service, tenant, receiverIds[rule] ?? [])).notifications,
      );
      // After the refused phase the port answers again (with failures, then slowly).
      if (!listening && phaseNow() !== 'refused') {
        await listen(port);
        listening = true;
      }
    }
    // The outage lasts at least 60 s and until every notification is queued; the port must come
    // back for the later phases even when queueing was quick.
    while (Date.now() - outageStartedAt < OUTAGE_MS) {
      if (!listening && phaseNow() !== 'refused') {
        await listen(port);
        listening = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (!listening) await listen(port);
    const outageMs = Date.now() - outageStartedAt;
    recovered = true;

    // Every notification was queued (fireRuleAt waited for its rows) before the recovery.
    const sent = new Set(notifications.map((n) => n.id));
    expect(sent.size).toBe(RULES * RECEIVERS_PER_RULE);

    let rows: NotificationItem[] = [];
    await waitUntil(
      async () => {
        rows = await listNotifications(service, auth, { limit: '500' });
        return rows.length === sent.size && rows.every((n) => n.status !== 'pending');
      },
      'every notification to leave pending',
      300_000,
    );

    // The receiver's side: dedupe on webhook-id, count everything.
    const accepted = requests.filter((r) => r.accepted);
    const acceptedIds = new Map<string, number>();
    for (const request of accepted) {
      const id = String(request.headers['webhook-id']);
      acceptedIds.set(id, (acceptedIds.get(id) ?? 0) + 1);
    }
    const delivered = [...acceptedIds.keys()].filter((id) => sent.has(id)).length;
    const duplicates = accepted.length - acceptedIds.size;
    const lost = [...sent].filter((id) => !acceptedIds.has(id)).length;
    const byPhase = Object.fromEntries(
      (['503', '429', 'slow', 'up'] as const).map((phase) => [
        phase,
        requests.filter((r) => r.phase === phase).length,
      ]),
    );
    const attempts = rows.reduce((sum, n) => sum + n.attempts, 0);
    const counts = {
      sent: sent.size,
      delivered,
      duplicates,
      lost,
      outageSeconds: Math.round(outageMs / 1_000),
      attempts,
      requestsSeen: requests.length,
      // Attempts the receiver never saw: connection refused (or reset).
      refusedAttempts: attempts - requests.length,
      timedOutAttempts: byPhase.slow,
      requestsByPhase: byPhase,
    };
    console.log(`notification outage counts: ${JSON.stringify(counts)}`);

    expect(lost).toBe(0);
    expect(delivered).toBe(sent.size);
    // Nothing the service did not queue, and every row delivered (none failed or dead).
    expect([...acceptedIds.keys()].every((id) => sent.has(id))).toBe(true);
    expect(rows.filter((n) => n.status !== 'delivered')).toEqual([]);
    // The outage really happened: attempts met each failure the receiver answered with.
    expect(byPhase['503']).toBeGreaterThan(0);
    expect(byPhase['429']).toBeGreaterThan(0);
    expect(attempts).toBeGreaterThan(sent.size);
    // Every request the receiver got was signed for its receiver, re-sends included.
    for (const request of requests) {
      const secret = secrets.get(request.path);
      expect(secret).toBeDefined();
      expect(() =>
        new Webhook(secret ?? '').verify(request.body, request.headers as Record<string, string>),
      ).not.toThrow();
    }
  }, 600_000);
});
