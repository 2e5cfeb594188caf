import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { buildOtlpGateway, type OtlpGateway } from '@obs/service-kit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSdk, startServiceChild } from '../../test/otel-sdk.js';
import {
  ingester,
  newSpanId,
  newTraceId,
  otlpBody,
  resourceAttributes,
  uniqueTenant,
} from '../../test/trace-test-kit.js';

/**
 * The per-tenant span limit with the unmodified OpenTelemetry SDK exporter, through the OTLP
 * front door (the kit's gateway, what 4318 serves) to trace-service in a child process: a
 * tenant over its rate is answered 429 with Retry-After, its exporter waits and retries, and
 * every span ends up stored exactly once; another tenant is served meanwhile; an override in
 * the limits file raises one tenant without a restart.
 */
const dir = mkdtempSync(join(tmpdir(), 'trace-limits-'));
const limitsPath = join(dir, 'limits.json');
// 20 spans/s with a burst of 100: 300 spans take at least 10 s (Retry-After 5 s per refused
// batch of 100), inside the exporter's retries (5, Retry-After honoured) and its 45 s timeout,
// and long enough that another tenant's request is answered while they last.
const LIMITS = { defaults: { spans: { rate: 20, burst: 100 } } };

interface Answer {
  readonly authorization: string;
  readonly status: number;
  readonly retryAfter: string | undefined;
}
const answers: Answer[] = [];
let child: ChildProcess;
let gateway: OtlpGateway;
let frontDoor: string;
let db: pg.Client;

beforeAll(async () => {
  writeFileSync(limitsPath, JSON.stringify(LIMITS));
  const started = await startServiceChild({
    TENANT_LIMITS_FILE: limitsPath,
    TENANT_LIMITS_POLL_MS: '200',
  });
  child = started.child;
  gateway = await buildOtlpGateway({
    upstreams: { 'trace-service': started.url },
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent' },
  });
  gateway.app.addHook('onResponse', async (request, reply) => {
    const retryAfter = reply.getHeader('retry-after');
    answers.push({
      authorization: request.headers.authorization ?? '',
      status: reply.statusCode,
      retryAfter: retryAfter === undefined ? undefined : String(retryAfter),
    });
  });
  frontDoor = await gateway.listen(0);
  db = new pg.Client({ connectionString: inject('infra').databaseUrl });
  await db.connect();
});
afterAll(async () => {
  // Traces left unassembled here would be due for other suites' assembly runs.
  for (const table of ['trace.spans', 'trace.traces'])
    await db.query(`DELETE FROM ${table} WHERE tenant_id LIKE 'limited-%'`);
  await db.end();
  await gateway.close();
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const answersOf = (authorization: string) =>
  answers.filter((answer) => answer.authorization === authorization);

async function storedSpans(tenant: string): Promise<{ rows: number; distinct: number }> {
  const result = await db.query<{ rows: number; distinct: number }>(
    'SELECT count(*)::int AS rows, count(DISTINCT (trace_id, span_id))::int AS distinct FROM trace.spans WHERE tenant_id = $1',
    [tenant],
  );
  return result.rows[0] as { rows: number; distinct: number };
}

/** One trace of `count` spans (a root and its children), exported in batches of 100. */
function exportSpans(tenant: string, authorization: string, count: number): Promise<void> {
  const sdk = startSdk({
    baseUrl: frontDoor,
    authorization,
    resource: resourceAttributes(tenant),
    protocol: 'json',
    timeoutMillis: 45_000,
    maxExportBatchSize: 100,
  });
  const root = sdk.tracer.startSpan('nightly import');
  const parent = trace.setSpan(context.active(), root);
  for (let i = 1; i < count; i += 1) {
    sdk.tracer.startSpan(`row ${i}`, {}, parent).end();
  }
  root.end();
  return sdk.shutdown();
}

/** A batch straight to the front door, as a sender without the SDK would post it. */
async function post(tenant: string, authorization: string, spans: number): Promise<Response> {
  const traceId = newTraceId();
  const now = Date.now();
  const body = otlpBody(
    resourceAttributes(tenant),
    Array.from({ length: spans }, () => ({
      traceId,
      spanId: newSpanId(),
      startMs: now,
      durationMs: 1,
    })),
  );
  return fetch(`${frontDoor}/v1/traces`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('per-tenant span limits with the real OpenTelemetry SDK exporter', () => {
  it('answers a tenant over its span rate 429 with Retry-After; the exporter retries and every span is stored once, while another tenant is served', async () => {
    const a = uniqueTenant('limited-a');
    const b = uniqueTenant('limited-b');
    const authA = ingester(a).authorization;
    const authB = ingester(b).authorization;
    let aDone = false;
    const exporting = exportSpans(a, authA, 300).then(() => {
      aDone = true;
    });

    await expect
      .poll(() => answersOf(authA).some((answer) => answer.status === 429), {
        timeout: 30_000,
        interval: 50,
      })
      .toBe(true);
    // Meanwhile another tenant's batch is taken at once.
    const other = await post(b, authB, 100);
    expect(other.status).toBe(200);
    expect(aDone).toBe(false);
    await exporting;

    const refused = answersOf(authA).filter((answer) => answer.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(answersOf(authA).every((answer) => [200, 429].includes(answer.status))).toBe(true);
    expect(await storedSpans(a)).toEqual({ rows: 300, distinct: 300 });
    expect(answersOf(authB).map((answer) => answer.status)).toEqual([200]);
    expect(await storedSpans(b)).toEqual({ rows: 100, distinct: 100 });
  });

  it('raises one tenant by an override in the limits file, without a restart', async () => {
    const raised = uniqueTenant('limited-raised');
    const probe = uniqueTenant('limited-probe');
    const authRaised = ingester(raised).authorization;
    const authProbe = ingester(probe).authorization;
    const override = { spans: { rate: 100_000, burst: 100_000 } };
    writeFileSync(
      limitsPath,
      JSON.stringify({ ...LIMITS, tenants: { [raised]: override, [probe]: override } }),
    );
    // At the defaults the second of two 150-span batches is refused; once the file is re-read
    // both are taken (the probe shares the override, so the raised tenant spends nothing here).
    await expect
      .poll(
        async () => {
          const first = await post(probe, authProbe, 150);
          const second = await post(probe, authProbe, 150);
          return [first.status, second.status];
        },
        { timeout: 30_000, interval: 300 },
      )
      .toEqual([200, 200]);

    await exportSpans(raised, authRaised, 500);
    const statuses = answersOf(authRaised).map((answer) => answer.status);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(await storedSpans(raised)).toEqual({ rows: 500, distinct: 500 });

    // Everyone else keeps the defaults.
    const other = uniqueTenant('limited-default');
    const authOther = ingester(other).authorization;
    expect((await post(other, authOther, 100)).status).toBe(200);
    const refused = await post(other, authOther, 100);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
