import type { RunningService } from '@obs/service-kit';
import {
  TestClock,
  expectProblem,
  LogAnalyticsStub,
  staticCredential,
  type StubRequest,
} from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INJECTIONS } from '../../test/injections.js';
import { APP_TRACES_COLUMNS } from '../../test/log-analytics-columns.js';
import {
  HOUR,
  newTraceId,
  otlpLogs,
  queryLogs,
  recordsOf,
  referencesOf,
  resourceAttributes,
  sendLogs,
  startLogService,
  uniqueTenant,
} from '../../test/log-test-kit.js';
import { QUERY_BODY } from './kql.js';

const WORKSPACE = 'law-payments';
const clock = new TestClock(Date.parse('2025-03-01T12:00:00.000Z'));
const T0 = clock.nowMs - 10 * 60_000;
const FROM = new Date(T0 - HOUR).toISOString();
const TO = new Date(T0 + HOUR).toISOString();
let stub: LogAnalyticsStub;
let service: RunningService;

beforeAll(async () => {
  stub = await LogAnalyticsStub.start();
  service = await startLogService({
    clock,
    config: {
      store: 'log-analytics',
      logAnalytics: { workspaceId: WORKSPACE, endpoint: stub.endpoint, serverTimeoutSeconds: 30 },
    },
    deps: { credential: staticCredential, logAnalyticsCa: stub.ca },
  });
});
afterAll(async () => {
  await service.close();
  await stub.close();
});

/** The `let` bindings of the KQL the client sent, decoded; the rest must be the constant body. */
function bindingsOf(request: StubRequest | undefined): Record<string, string> {
  const lines = (request?.body.query ?? '').split('\n');
  expect(lines.filter((l) => !l.startsWith('let ')).join('\n')).toBe(QUERY_BODY);
  const bindings: Record<string, string> = {};
  for (const line of lines.filter((l) => l.startsWith('let '))) {
    const [, name = '', value = ''] = /^let ([A-Za-z]+) = (.*);$/.exec(line) ?? [];
    const b64 = /^base64_decode_tostring\("([A-Za-z0-9+/=]*)"\)$/.exec(value);
    bindings[name] = b64 ? Buffer.from(b64[1] ?? '', 'base64').toString('utf8') : value;
  }
  return bindings;
}

const row = (i: number, traceId: string, extra: Partial<Record<string, unknown>> = {}) => [
  `0000000${i}-aaaa-4aaa-8aaa-aaaaaaaaaaaa`,
  T0 + i,
  `${new Date(T0 + i).toISOString().slice(0, 23)}4567Z`,
  extra.severity ?? 2,
  extra.message ?? `message ${i}`,
  traceId,
  '00f067aa0ba902b7',
  JSON.stringify({ 'tenant.id': 'x', 'execution.id': 'exec-1', attempt: i }),
];

async function ingestTrace(tenant: string, trace: string, executionId = 'exec-1') {
  await sendLogs(
    service,
    tenant,
    otlpLogs([
      {
        attributes: resourceAttributes(tenant, { 'execution.id': executionId }),
        records: [{ timeMs: T0, body: 'in Log Analytics', traceId: trace }],
      },
    ]),
  );
}

describe('Log Analytics store, through the real LogsQueryClient', () => {
  it('indexes ingested batches with references to the workspace, keeping no bodies here', async () => {
    const tenant = uniqueTenant('la-ref');
    const trace = newTraceId();
    await ingestTrace(tenant, trace);
    const refs = await referencesOf(service, tenant, { traceId: trace });
    expect(refs.items.map((r) => r.logAnalyticsRef)).toEqual([
      { workspaceId: WORKSPACE, queryHandle: `traceId=${trace}` },
    ]);
    const rows: { n: number }[] = await service.ctx.dataSource.query(
      `SELECT count(*)::int AS n FROM ${service.ctx.table('log_records')} WHERE tenant_id = $1`,
      [tenant],
    );
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('sends the workspace query the API expects and maps the rows it answers back', async () => {
    const tenant = uniqueTenant('la-query');
    const trace = newTraceId();
    await ingestTrace(tenant, trace);
    const before = stub.requests.length;
    stub.answerWith([
      {
        name: 'PrimaryResult',
        columns: APP_TRACES_COLUMNS,
        rows: [row(1, trace, { severity: 3, message: 'card declined' }), row(2, trace)],
      },
    ]);
    const page = await recordsOf(service, tenant, {
      traceId: trace,
      from: FROM,
      to: TO,
      minSeverity: 'Warning',
      text: 'card',
      limit: 10,
    });
    const sent = stub.requests[before];
    expect(sent?.method).toBe('POST');
    expect(sent?.path).toBe(`/v1/workspaces/${WORKSPACE}/query`);
    expect(sent?.headers.authorization).toBe('Bearer stub-token');
    expect(sent?.headers.prefer).toBe('wait=30');
    expect(sent?.body.timespan).toBe(`${FROM}/${TO}`);
    expect(bindingsOf(sent)).toMatchObject({
      tenantId: tenant,
      traceId: trace,
      useTraceId: 'true',
      useExecutionId: 'false',
      minSeverityLevel: 'tolong(2)',
      useText: 'true',
      text: 'card',
      useAfter: 'false',
      maxRows: 'tolong(11)',
      fromTime: `datetime(${FROM})`,
      toTime: `datetime(${TO})`,
    });
    expect(page).toEqual({
      nextCursor: null,
      items: [
        {
          id: '00000001-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
          timestamp: `${new Date(T0 + 1).toISOString().slice(0, 23)}4567Z`,
          level: 'Error',
          severityText: null,
          body: 'card declined',
          traceId: trace,
          spanId: '00f067aa0ba902b7',
          executionId: 'exec-1',
          attributes: { 'tenant.id': 'x', 'execution.id': 'exec-1', attempt: 1 },
          workspaceId: WORKSPACE,
        },
        expect.objectContaining({ id: '00000002-aaaa-4aaa-8aaa-aaaaaaaaaaaa', level: 'Warning' }),
      ],
    });
  });

  it('pages through the workspace: the cursor becomes the next query’s keyset bindings', async () => {
    const tenant = uniqueTenant('la-page');
    const trace = newTraceId();
    await ingestTrace(tenant, trace);
    stub.answerWith([
      {
        name: 'PrimaryResult',
        columns: APP_TRACES_COLUMNS,
        rows: [1, 2, 3].map((i) => row(i, trace)),
      },
    ]);
    const first = await recordsOf(service, tenant, {
      traceId: trace,
      from: FROM,
      to: TO,
      limit: 2,
    });
    expect(first.items.map((r) => r.id.slice(0, 8))).toEqual(['00000001', '00000002']);
    expect(first.nextCursor).toBe(`${T0 + 2}.00000002-aaaa-4aaa-8aaa-aaaaaaaaaaaa`);
    const before = stub.requests.length;
    stub.answerWith([
      { name: 'PrimaryResult', columns: APP_TRACES_COLUMNS, rows: [row(3, trace)] },
    ]);
    const second = await recordsOf(service, tenant, {
      traceId: trace,
      from: FROM,
      to: TO,
      limit: 2,
      cursor: first.nextCursor,
    });
    expect(second).toMatchObject({
      nextCursor: null,
      items: [{ id: '00000003-aaaa-4aaa-8aaa-aaaaaaaaaaaa' }],
    });
    expect(bindingsOf(stub.requests[before])).toMatchObject({
      useAfter: 'true',
      afterMs: `tolong(${T0 + 2})`,
      afterId: '00000002-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    });
  });

  it.each(INJECTIONS.filter((s) => s.trim() !== '' && !s.includes('\u0000')))(
    'sends %j in executionId and text as values only',
    async (evil) => {
      const tenant = uniqueTenant('la-evil');
      await ingestTrace(tenant, newTraceId(), evil);
      const before = stub.requests.length;
      await recordsOf(service, tenant, { executionId: evil, text: evil, from: FROM, to: TO });
      expect(bindingsOf(stub.requests[before])).toMatchObject({
        tenantId: tenant,
        executionId: evil,
        useExecutionId: 'true',
        useTraceId: 'false',
        text: evil,
      });
    },
  );

  it('answers 503 naming the workspace when Log Analytics fails, never a 5xx of its own', async () => {
    const tenant = uniqueTenant('la-down');
    const trace = newTraceId();
    await ingestTrace(tenant, trace);
    stub.failWith(400, { error: { code: 'BadArgumentError', message: 'syntax error' } });
    const res = await queryLogs(service, tenant, { traceId: trace, from: FROM, to: TO }, 503);
    expectProblem(res, 503, 'log_store_unavailable');
    expect(res.json<{ detail: string }>().detail).toContain(WORKSPACE);
  });
});
