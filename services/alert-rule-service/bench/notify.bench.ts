/**
 * `pnpm bench:notify`: delivery latency of notifications, from the commit of the transaction that
 * writes a notification row to a real HTTP webhook receiver (on 127.0.0.1) getting it. A script,
 * not a test: it prints. Starts embedded PostgreSQL itself (or uses DATABASE_URL); no Kafka.
 *
 * Each notification is queued the way the consumers queue them: `queueSloBurnNotifications` in
 * its own transaction (the receiver looked up, silences checked, the row inserted), one
 * SloBurnRateAlertFired at a time, paced at BENCH_RATE per second, while alert-rule-service's
 * `notification-delivery` job runs on its timer with the real clock. The receiver stamps the first
 * arrival of each webhook-id. Latency = arrival − commit (both `performance.now()` in this process).
 *
 * Baseline, in the same run and at the same pace: the least that does the same work by hand, a
 * bare `INSERT` of the same row (pg, autocommit) followed by a bare POST of the same signed body
 * with Node's fetch (undici). Its latency is arrival − the INSERT's commit.
 *
 *   env: BENCH_NOTIFICATIONS=500 (per mode), BENCH_RATE=20 (per second),
 *        BENCH_INTERVALS=1000,100 (NOTIFY_INTERVAL_MS of each service mode; 1000 is the default)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createEnvelope, getEvent, type Envelope } from '@obs/event-envelope';
import { startPostgres } from '@obs/local-infra';
import { buildService, mintToken, type Transaction } from '@obs/service-kit';
import pg from 'pg';
import { createAlertRuleService } from '../src/app.js';
import { alertRuleConfigFrom } from '../src/config.js';
import { notificationIdOf } from '../src/notify/escalation-notifications.js';
import { signedHeaders } from '../src/notify/webhook-sender.js';
import { sloBurnMessage, queueSloBurnNotifications } from '../src/notify/slo-burn-notifications.js';

const COUNT = Number(process.env.BENCH_NOTIFICATIONS ?? 500);
const RATE = Number(process.env.BENCH_RATE ?? 20);
const INTERVALS = (process.env.BENCH_INTERVALS ?? '1000,100').split(',').map(Number);
const JWT_SECRET = 'bench-secret-0123456789abcdef';
const TIMEOUT_MS = 120_000;

/** The receiver: the first arrival of each webhook-id, in performance.now() milliseconds. */
const arrivals = new Map<string, number>();
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const id = String(req.headers['webhook-id']);
    if (!arrivals.has(id)) arrivals.set(id, performance.now());
    res.writeHead(200).end();
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

interface Result {
  readonly mode: string;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly count: number;
}

function summarize(mode: string, commits: ReadonlyMap<string, number>): Result {
  const latencies = [...commits]
    .map(([id, committed]) => (arrivals.get(id) ?? Number.NaN) - committed)
    .filter((ms) => Number.isFinite(ms))
    .sort((a, b) => a - b);
  if (latencies.length !== commits.size) {
    throw new Error(`${mode}: ${commits.size - latencies.length} notifications never arrived`);
  }
  return {
    mode,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    max: latencies.at(-1) ?? Number.NaN,
    count: latencies.length,
  };
}

async function waitForArrivals(commits: ReadonlyMap<string, number>, mode: string): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while ([...commits.keys()].some((id) => !arrivals.has(id))) {
    if (Date.now() > deadline) throw new Error(`${mode}: timed out waiting for the receiver`);
    await sleep(50);
  }
}

/** Paces `work` at RATE per second (a fixed schedule, so a slow call does not slow the offer). */
async function paced(work: (index: number) => Promise<void>): Promise<void> {
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < COUNT; i += 1) {
    const due = started + (i * 1_000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(work(i));
  }
  await Promise.all(pending);
}

function burnEvent(tenantId: string, receiverId: string): Envelope<'SloBurnRateAlertFired'> {
  const example = getEvent('SloBurnRateAlertFired', 1).example;
  const sloId = crypto.randomUUID();
  return createEnvelope({
    eventType: 'SloBurnRateAlertFired',
    producer: 'slo-service',
    tenantId,
    aggregate: { id: sloId, version: 1 },
    payload: {
      ...(example.payload as Envelope<'SloBurnRateAlertFired'>['payload']),
      sloId,
      receivers: [receiverId],
      firedAt: new Date().toISOString(),
    },
  });
}

async function serviceMode(databaseUrl: string, url: string, intervalMs: number): Promise<Result> {
  const config = alertRuleConfigFrom({
    ...process.env,
    NOTIFY_ALLOW_PRIVATE_TARGETS: 'true',
    NOTIFY_INTERVAL_MS: String(intervalMs),
    ALERT_CLOCK_INTERVAL_MS: '0',
  });
  const service = await buildService(createAlertRuleService(config), {
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'error',
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: '',
      JWT_SECRET,
      RATE_LIMIT_MAX: '100000000',
    },
    runConsumers: false,
    runRelay: false,
  });
  try {
    const tenantId = `bench-${crypto.randomUUID().slice(0, 8)}`;
    const authorization = `Bearer ${mintToken({ tenantId, scopes: ['write'], secret: JWT_SECRET })}`;
    const created = await service.app.inject({
      method: 'POST',
      url: '/v1/receivers',
      headers: { authorization },
      payload: { name: `bench-${intervalMs}`, type: 'webhook', url },
    });
    if (created.statusCode !== 201) throw new Error(`receiver: ${created.body}`);
    const receiverId = created.json<{ id: string }>().id;
    const commits = new Map<string, number>();
    await paced(async () => {
      const event = burnEvent(tenantId, receiverId);
      // The consumer's transaction without its inbox row: the writer alone, then the commit.
      await service.ctx.dataSource.transaction(async (manager) => {
        const tx: Transaction = {
          manager,
          publish: () => Promise.reject(new Error('the bench publishes nothing')),
        };
        const queued = await queueSloBurnNotifications(tx, event, Date.now());
        if (queued !== 1) throw new Error(`queued ${queued} notifications, not 1`);
      });
      commits.set(notificationIdOf(event.eventId, receiverId), performance.now());
    });
    const mode = `service, NOTIFY_INTERVAL_MS=${intervalMs}`;
    await waitForArrivals(commits, mode);
    return summarize(mode, commits);
  } finally {
    await service.close();
  }
}

async function baselineMode(databaseUrl: string, url: string): Promise<Result> {
  // One connection, as one writer: its queries queue in the pool and run one at a time.
  const client = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await client.query('CREATE SCHEMA IF NOT EXISTS bench_notify');
    await client.query(
      `CREATE TABLE IF NOT EXISTS bench_notify.notifications (
         id uuid PRIMARY KEY, tenant_id text NOT NULL, receiver_id uuid NOT NULL,
         fingerprint text NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL)`,
    );
    const secret = `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64')}`;
    const commits = new Map<string, number>();
    await paced(async () => {
      const event = burnEvent('bench-baseline', crypto.randomUUID());
      const id = crypto.randomUUID();
      const payload = sloBurnMessage('bench-baseline', event.payload);
      const body = JSON.stringify(payload);
      await client.query(
        `INSERT INTO bench_notify.notifications
           (id, tenant_id, receiver_id, fingerprint, payload, created_at)
         VALUES ($1, $2, $3, $4, $5, now())`,
        [id, 'bench-baseline', event.payload.receivers[0], `${event.payload.sloId}:page`, body],
      );
      commits.set(id, performance.now());
      const res = await fetch(url, {
        method: 'POST',
        headers: signedHeaders({ id, url, secret, body, at: Date.now() }),
        body,
      });
      await res.arrayBuffer();
    });
    await waitForArrivals(commits, 'baseline');
    return summarize('baseline: bare INSERT + bare fetch POST', commits);
  } finally {
    await client.query('DROP SCHEMA IF EXISTS bench_notify CASCADE');
    await client.end();
  }
}

async function main(): Promise<void> {
  const postgres = await startPostgres();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(
    `bench:notify — ${COUNT} notifications per mode at ${RATE}/s; load average at start ${load}`,
  );
  try {
    const results: Result[] = [await baselineMode(postgres.url, url)];
    for (const interval of INTERVALS) results.push(await serviceMode(postgres.url, url, interval));
    const [baseline] = results;
    const ms = (value: number) => `${value.toFixed(1)} ms`;
    const ratio = (value: number, base: number | undefined) =>
      base === undefined || base <= 0 ? 'n/a' : `${(value / base).toFixed(1)}×`;
    console.log('| mode | n | p50 | p95 | p99 | max | p50 / p95 / p99 vs baseline |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const r of results) {
      console.log(
        `| ${r.mode} | ${r.count} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${ms(r.max)} | ${ratio(r.p50, baseline?.p50)} / ${ratio(r.p95, baseline?.p95)} / ${ratio(r.p99, baseline?.p99)} |`,
      );
    }
    console.log(
      `load average at end ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    server.close();
    await postgres.stop();
  }
}

await main();
