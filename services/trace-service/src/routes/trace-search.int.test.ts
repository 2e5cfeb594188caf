import type { RunningService } from '@obs/service-kit';
import { TestClock, expectProblem } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_CONFIG,
  assemble,
  newSpanId,
  newTraceId,
  otlpBody,
  reader,
  resourceAttributes,
  sendSpans,
  startTraceService,
  uniqueTenant,
} from '../../test/trace-test-kit.js';

const clock = new TestClock();
const T0 = clock.nowMs - 3_600_000;
const tenant = uniqueTenant('search');
let service: RunningService;

interface Page {
  items: { traceId: string; status: string; durationMs: number; rootSpanName: string }[];
  nextCursor: string | null;
}

/** Ten traces a minute apart: i odd on module "refunds", i % 3 == 0 an error, durations 10·i. */
const traces = Array.from({ length: 10 }, (_, i) => ({ traceId: newTraceId(), i }));

beforeAll(async () => {
  service = await startTraceService({ clock });
  for (const { traceId, i } of traces) {
    const resource = resourceAttributes(tenant, {
      'module.id': i % 2 === 1 ? 'refunds' : 'payments',
      'service.name': `svc-${i % 2}`,
      'execution.id': `exec-${i}`,
    });
    const root = newSpanId();
    await sendSpans(
      service,
      tenant,
      otlpBody(resource, [
        {
          traceId,
          spanId: root,
          name: `op-${i}`,
          startMs: T0 + i * 60_000,
          durationMs: 10 * (i + 1),
          status: i % 3 === 0 ? 2 : 1,
        },
        {
          traceId,
          spanId: newSpanId(),
          parentSpanId: root,
          startMs: T0 + i * 60_000,
          durationMs: 1,
          attributes: { 'http.route': `/r/${i % 4}`, 'http.status_code': 200 + i },
        },
      ]),
    );
  }
  clock.nowMs += TEST_CONFIG.idleMs;
  await assemble(service);
});
afterAll(async () => {
  await service.close();
});

async function search(query: Record<string, string>, as = tenant): Promise<Page> {
  const res = await service.app.inject({
    method: 'GET',
    url: '/v1/traces',
    query,
    headers: reader(as),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Page>();
}
const names = (page: Page) => page.items.map((t) => t.rootSpanName);

describe('GET /v1/traces', () => {
  it('pages newest first with a keyset cursor, every trace exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await search({ limit: '3', ...(cursor ? { cursor } : {}) });
      seen.push(...names(page));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(traces.map(({ i }) => `op-${i}`).reverse());
  });

  it('filters by module, service, execution and status', async () => {
    expect(names(await search({ moduleId: 'refunds' }))).toEqual([
      'op-9',
      'op-7',
      'op-5',
      'op-3',
      'op-1',
    ]);
    expect(names(await search({ service: 'svc-0', status: 'error' }))).toEqual(['op-6', 'op-0']);
    expect(names(await search({ executionId: 'exec-4' }))).toEqual(['op-4']);
    expect(names(await search({ projectId: 'checkout', status: 'ok' }))).toHaveLength(6);
    expect(names(await search({ projectId: 'elsewhere' }))).toEqual([]);
  });

  it('filters by duration and by time range', async () => {
    expect(names(await search({ minDurationMs: '30', maxDurationMs: '50' }))).toEqual([
      'op-4',
      'op-3',
      'op-2',
    ]);
    const from = new Date(T0 + 2 * 60_000).toISOString();
    const to = new Date(T0 + 4 * 60_000).toISOString();
    expect(names(await search({ from, to }))).toEqual(['op-3', 'op-2']);
  });

  it('filters by span attribute equality, attr.<key>=<value>, compared as text', async () => {
    expect(names(await search({ 'attr.http.route': '/r/1' }))).toEqual(['op-9', 'op-5', 'op-1']);
    expect(
      names(await search({ 'attr.http.route': '/r/1', 'attr.http.status_code': '205' })),
    ).toEqual(['op-5']);
    expect(names(await search({ 'attr.http.route': "/r/1' OR '1'='1" }))).toEqual([]);
  });

  it("never shows another tenant's traces", async () => {
    expect((await search({}, uniqueTenant('other'))).items).toEqual([]);
  });

  it('answers 400 naming a malformed cursor or an unknown parameter', async () => {
    const res = await service.app.inject({
      method: 'GET',
      url: '/v1/traces',
      query: { cursor: 'nope' },
      headers: reader(tenant),
    });
    expectProblem(res, 400, 'invalid_cursor');
    const unknown = await service.app.inject({
      method: 'GET',
      url: '/v1/traces',
      query: { projectid: 'checkout' },
      headers: reader(tenant),
    });
    expectProblem(unknown, 400, 'validation_failed');
    expect(unknown.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe(
      'querystring.projectid',
    );
  });

  it('takes a cursor whose position lies beyond any representable time (200, never 5xx)', async () => {
    const far = await search({ cursor: `999999999999999.${'f'.repeat(32)}` });
    expect(far.items).toHaveLength(10);
    const past = await search({ cursor: `-999999999999999.${'0'.repeat(31)}1` });
    expect(past.items).toEqual([]);
  });
});
