import type { RunningService } from '@obs/service-kit';
import {
  expectProblem,
  LogAnalyticsStub,
  staticCredential,
  type StubTable,
} from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPAN_COLUMNS } from '../../test/log-analytics-columns.js';
import {
  newSpanId,
  newTraceId,
  reader,
  resourceAttributes,
  startTraceService,
  uniqueTenant,
  type TraceBody,
} from '../../test/trace-test-kit.js';
import { SPANS_QUERY_BODY } from './app-insights-kql.js';
import { AppInsightsSpanStore } from './app-insights-span-store.js';

const WORKSPACE = '00000000-1111-2222-3333-444444444444';
const INJECTIONS = [
  `x" | take 1 //`,
  "x' or 1==1",
  'a\nAppTraces | take 10',
  '\\"); union *',
  `"; .drop table AppRequests; "`,
  'ünïcode ✓ 🚀',
];

let stub: LogAnalyticsStub;
let store: AppInsightsSpanStore;
let service: RunningService;
beforeAll(async () => {
  stub = await LogAnalyticsStub.start();
  store = new AppInsightsSpanStore({
    endpoint: stub.endpoint,
    workspaceId: WORKSPACE,
    credential: staticCredential,
    lookbackDays: 30,
    ca: stub.ca,
  });
  service = await startTraceService({ adapters: { spanReader: () => store } });
});
afterAll(async () => {
  await service.close();
  await stub.close();
});

function rowsOf(tenant: string, traceId: string, root: string, child: string): StubTable {
  const dims = resourceAttributes(tenant);
  return {
    name: 'PrimaryResult',
    columns: SPAN_COLUMNS,
    rows: [
      [
        root,
        traceId,
        traceId,
        'POST /checkout',
        2,
        1_700_000_000_000,
        120.5,
        true,
        '200',
        'checkout-api',
        { ...dims, 'http.route': '/checkout' },
      ],
      [
        child,
        root,
        traceId,
        'charge card',
        3,
        1_700_000_000_010,
        40,
        false,
        '502',
        'checkout-api',
        { ...dims, 'payment.attempt': 2 },
      ],
    ],
  };
}

/** The values bound ahead of the constant query text, decoded back. */
function bindings(query: string): { text: string; values: string[] } {
  const index = query.indexOf(SPANS_QUERY_BODY);
  const head = query.slice(0, index);
  const values = [...head.matchAll(/base64_decode_tostring\("([A-Za-z0-9+/=]*)"\)/g)].map((m) =>
    Buffer.from(m[1] ?? '', 'base64').toString('utf8'),
  );
  return { text: query.slice(index), values };
}

describe('Application Insights span reader (real LogsQueryClient, local query API)', () => {
  it('sends parameter-bound KQL over AppRequests and AppDependencies and maps the rows back', async () => {
    const tenant = uniqueTenant('ai');
    const traceId = newTraceId();
    const [root, child] = [newSpanId(), newSpanId()];
    stub.answerWith([rowsOf(tenant, traceId, root, child)]);
    const spans = await store.spansOf(tenant, traceId);

    const request = stub.requests.at(-1);
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/v1/workspaces/${WORKSPACE}/query`);
    expect(request?.headers.authorization).toBe('Bearer stub-token');
    expect(request?.body.timespan).toBe('P30D');
    const query = bindings(request?.body.query ?? '');
    expect(query.text).toBe(SPANS_QUERY_BODY);
    expect(query.values).toEqual([tenant, traceId]);
    expect(SPANS_QUERY_BODY).toMatch(
      /AppRequests[\s\S]*AppDependencies[\s\S]*OperationId == traceId/,
    );

    expect(spans).toMatchObject([
      {
        spanId: root,
        parentSpanId: null,
        traceId,
        name: 'POST /checkout',
        kind: 2,
        startMs: 1_700_000_000_000,
        durationMs: 120.5,
        status: 'ok',
        service: 'checkout-api',
        attributes: { 'http.route': '/checkout' },
        dimensions: { tenantId: tenant, projectId: 'checkout', origin: 'generated-saas' },
      },
      { spanId: child, parentSpanId: root, status: 'error', statusMessage: '502' },
    ]);
  });

  it.each(INJECTIONS)('never lets input into the query text: %j', async (attack) => {
    stub.answerWith([{ name: 'PrimaryResult', columns: SPAN_COLUMNS, rows: [] }]);
    expect(await store.spansOf(attack, attack)).toEqual([]);
    const query = bindings(stub.requests.at(-1)?.body.query ?? '');
    expect(query.text).toBe(SPANS_QUERY_BODY);
    expect(query.values).toEqual([attack, attack]);
  });

  it('answers GET /v1/traces/{traceId} from Application Insights, and 503 when it fails', async () => {
    const tenant = uniqueTenant('ai-route');
    const traceId = newTraceId();
    const [root, child] = [newSpanId(), newSpanId()];
    stub.answerWith([rowsOf(tenant, traceId, root, child)]);
    const res = await service.app.inject({
      method: 'GET',
      url: `/v1/traces/${traceId}`,
      headers: reader(tenant),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<TraceBody>()).toMatchObject({
      traceId,
      status: 'error',
      rootSpanId: root,
      rootSpanName: 'POST /checkout',
      spanCount: 2,
      durationMs: 120.5,
    });
    expect(res.json<TraceBody>().spans.map((s) => [s.spanId, s.depth])).toEqual([
      [root, 0],
      [child, 1],
    ]);
    expect(bindings(stub.requests.at(-1)?.body.query ?? '').values).toEqual([tenant, traceId]);

    stub.answerWith([{ name: 'PrimaryResult', columns: SPAN_COLUMNS, rows: [] }]);
    expectProblem(
      await service.app.inject({
        method: 'GET',
        url: `/v1/traces/${newTraceId()}`,
        headers: reader(tenant),
      }),
      404,
      'not_found',
    );

    stub.failWith(500, { error: { code: 'InternalServerError', message: 'boom' } });
    stub.failWith(500, { error: { code: 'InternalServerError', message: 'boom' } });
    const failed = await service.app.inject({
      method: 'GET',
      url: `/v1/traces/${traceId}`,
      headers: reader(tenant),
    });
    expectProblem(failed, 503, 'span_store_unavailable');
  });
});
