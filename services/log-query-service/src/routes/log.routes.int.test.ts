import type { RunningService } from '@obs/service-kit';
import { TestClock, expectProblem } from '@obs/service-kit/testing';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HOUR,
  ingester,
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

const clock = new TestClock(Date.parse('2025-03-01T12:00:00.000Z'));
const T0 = clock.nowMs - 10 * 60_000;
const FROM = new Date(T0 - HOUR).toISOString();
const TO = new Date(T0 + HOUR).toISOString();
let service: RunningService;

beforeAll(async () => {
  service = await startLogService({ clock });
});
afterAll(async () => {
  await service.close();
});

describe('POST /v1/logs', () => {
  it('stores the records and indexes them with one reference per (traceId, execution.id)', async () => {
    const tenant = uniqueTenant('logs');
    const trace = newTraceId();
    const other = newTraceId();
    const answer = await sendLogs(
      service,
      tenant,
      otlpLogs([
        {
          attributes: resourceAttributes(tenant),
          records: [
            {
              timeMs: T0 + 2,
              body: 'charged card',
              severityNumber: 13,
              traceId: trace,
              spanId: '00f067aa0ba902b7',
              attributes: { attempt: '2' },
            },
            { timeMs: T0, body: 'charge started', severityNumber: 9, traceId: trace },
            { timeMs: T0 + 1, body: 'other trace', severityNumber: 17, traceId: other },
            { timeMs: T0 + 3, body: 'no trace at all', severityNumber: 9 },
          ],
        },
        {
          attributes: resourceAttributes(tenant, { 'execution.id': 'exec-2' }),
          records: [
            { timeMs: T0 + 5, body: 'second execution', severityNumber: 5, traceId: trace },
          ],
        },
      ]),
    );
    expect(answer).toEqual({});

    const refs = await referencesOf(service, tenant, { traceId: trace });
    expect(
      refs.items.map((r) => ({
        executionId: r.executionId,
        level: r.level,
        timestamp: r.timestamp,
        recordCount: r.recordCount,
        ref: r.logAnalyticsRef,
        tenant: r.dimensions.tenantId,
      })),
    ).toEqual([
      {
        executionId: 'exec-1',
        level: 'Warning',
        timestamp: new Date(T0).toISOString(),
        recordCount: 2,
        ref: { workspaceId: 'local', queryHandle: `traceId=${trace}` },
        tenant,
      },
      {
        executionId: 'exec-2',
        level: 'Debug',
        timestamp: new Date(T0 + 5).toISOString(),
        recordCount: 1,
        ref: { workspaceId: 'local', queryHandle: `traceId=${trace}` },
        tenant,
      },
    ]);
    expect((await referencesOf(service, tenant, {})).items).toHaveLength(3);

    const page = await recordsOf(service, tenant, { traceId: trace, from: FROM, to: TO });
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((r) => [r.body, r.level, r.executionId])).toEqual([
      ['charge started', 'Information', 'exec-1'],
      ['charged card', 'Warning', 'exec-1'],
      ['second execution', 'Debug', 'exec-2'],
    ]);
    expect(page.items[1]).toMatchObject({
      timestamp: `${new Date(T0 + 2).toISOString().slice(0, 23)}123456Z`,
      traceId: trace,
      spanId: '00f067aa0ba902b7',
      attributes: { attempt: '2' },
      workspaceId: 'local',
    });
    // The record without a trace is stored and found through its execution's references.
    const byExecution = await recordsOf(service, tenant, {
      executionId: 'exec-1',
      from: FROM,
      to: TO,
    });
    expect(byExecution.items.map((r) => r.body)).toEqual([
      'charge started',
      'other trace',
      'charged card',
      'no trace at all',
    ]);
  });

  it('rejects the records of a resource without the dimension attributes, naming them, and stores none', async () => {
    const tenant = uniqueTenant('logs-dims');
    const trace = newTraceId();
    const answer = await sendLogs(
      service,
      tenant,
      otlpLogs([
        {
          attributes: resourceAttributes(tenant, {
            'module.id': undefined,
            'cloud.region': undefined,
          }),
          records: [
            { timeMs: T0, body: 'a', traceId: trace },
            { timeMs: T0, body: 'b', traceId: trace },
          ],
        },
        {
          attributes: resourceAttributes(tenant),
          records: [{ timeMs: T0, body: 'kept', traceId: trace }],
        },
      ]),
    );
    expect(answer.partialSuccess).toEqual({
      rejectedLogRecords: 2,
      errorMessage: 'resourceLogs[0]: missing resource attributes: module.id, cloud.region',
    });
    const page = await recordsOf(service, tenant, { traceId: trace, from: FROM, to: TO });
    expect(page.items.map((r) => r.body)).toEqual(['kept']);
  });

  it("rejects records whose tenant.id is not the token's, and stores them under neither tenant", async () => {
    const tenant = uniqueTenant('logs-a');
    const victim = uniqueTenant('logs-b');
    const trace = newTraceId();
    const answer = await sendLogs(
      service,
      tenant,
      otlpLogs([
        {
          attributes: resourceAttributes(victim),
          records: [{ timeMs: T0, body: 'x', traceId: trace }],
        },
      ]),
    );
    expect(answer.partialSuccess).toEqual({
      rejectedLogRecords: 1,
      errorMessage: `resourceLogs[0]: tenant.id '${victim}' is not the token's tenant`,
    });
    for (const t of [tenant, victim]) {
      expect((await referencesOf(service, t, { traceId: trace })).items).toEqual([]);
      expectProblem(
        await queryLogs(service, t, { traceId: trace, from: FROM, to: TO }, 404),
        404,
        'not_found',
      );
    }
  });

  it('accepts a gzip body and answers a body that does not parse with a google.rpc.Status 400', async () => {
    const tenant = uniqueTenant('logs-gzip');
    const trace = newTraceId();
    const body = otlpLogs([
      {
        attributes: resourceAttributes(tenant),
        records: [{ timeMs: T0, body: 'zipped', traceId: trace }],
      },
    ]);
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: {
        ...ingester(tenant),
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      payload: gzipSync(Buffer.from(JSON.stringify(body))),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(
      (await recordsOf(service, tenant, { traceId: trace, from: FROM, to: TO })).items[0]?.body,
    ).toBe('zipped');

    const bad = await service.app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { ...ingester(tenant), 'content-type': 'application/json' },
      payload: '{"resourceLogs": [{"scopeLogs": "nope"}]}',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      code: 3,
      message: 'resourceLogs[0].scopeLogs: expected an array',
    });
    const proto = await service.app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { ...ingester(tenant), 'content-type': 'application/x-protobuf' },
      payload: Buffer.from([0x0a, 0xff, 0xff]),
    });
    expect(proto.statusCode).toBe(400);
    expect(proto.headers['content-type']).toBe('application/x-protobuf');
  });

  it('keeps U+0000 or a lone surrogate anywhere from failing the batch (stored as U+FFFD)', async () => {
    const tenant = uniqueTenant('logs-nul');
    const trace = newTraceId();
    await sendLogs(
      service,
      tenant,
      otlpLogs([
        {
          attributes: resourceAttributes(tenant, { 'module.id': 'pay\u0000ments\ud800' }),
          records: [
            {
              timeMs: T0,
              body: 'a\u0000b\udc00',
              traceId: trace,
              attributes: { 'k\u0000': 'v\u0000', lone: '\ud83d' },
            },
          ],
        },
      ]),
    );
    const [record] = (await recordsOf(service, tenant, { traceId: trace, from: FROM, to: TO }))
      .items;
    expect(record?.body).toBe('a\uFFFDb\uFFFD');
    expect(record?.attributes).toEqual({ 'k\uFFFD': 'v\uFFFD', lone: '\uFFFD' });
  });
});

describe('POST /v1/log-queries', () => {
  const tenant = uniqueTenant('logs-q');
  const trace = newTraceId();
  beforeAll(async () => {
    const records = Array.from({ length: 7 }, (_, i) => ({
      timeMs: T0 + i * 1000,
      body: i % 2 === 0 ? `Payment ${i} 100%_done` : `heartbeat ${i}`,
      severityNumber: [1, 5, 9, 13, 17, 21, 9][i],
      traceId: trace,
    }));
    // Two records at the same millisecond: the cursor breaks the tie by id.
    records.push({
      timeMs: T0 + 6000,
      body: 'Payment twin 100%_done',
      severityNumber: 9,
      traceId: trace,
    });
    await sendLogs(
      service,
      tenant,
      otlpLogs([{ attributes: resourceAttributes(tenant), records }]),
    );
  });

  it('filters by minimum severity, body text (case-insensitive, % and _ literal) and range', async () => {
    const warn = await recordsOf(service, tenant, {
      traceId: trace,
      from: FROM,
      to: TO,
      minSeverity: 'Warning',
    });
    expect(warn.items.map((r) => r.level)).toEqual(['Warning', 'Error', 'Fatal']);
    const text = await recordsOf(service, tenant, {
      traceId: trace,
      from: FROM,
      to: TO,
      text: 'PAYMENT',
    });
    expect(text.items).toHaveLength(5);
    const literal = await recordsOf(service, tenant, {
      traceId: trace,
      from: FROM,
      to: TO,
      text: '0%_d',
    });
    expect(literal.items).toHaveLength(5);
    expect(
      (await recordsOf(service, tenant, { traceId: trace, from: FROM, to: TO, text: '0%d' })).items,
    ).toEqual([]);
    const range = await recordsOf(service, tenant, {
      traceId: trace,
      from: new Date(T0 + 1000).toISOString(),
      to: new Date(T0 + 3000).toISOString(),
    });
    expect(range.items.map((r) => r.body)).toEqual(['heartbeat 1', 'Payment 2 100%_done']);
  });

  it('pages with the cursor: every record exactly once, in order', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof recordsOf>> = await recordsOf(service, tenant, {
        traceId: trace,
        from: FROM,
        to: TO,
        limit: 3,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    const all = await recordsOf(service, tenant, {
      traceId: trace,
      from: FROM,
      to: TO,
      limit: 500,
    });
    expect(seen).toEqual(all.items.map((r) => r.id));
    expect(new Set(seen).size).toBe(8);
  });

  it('answers 422 for no target, both targets or an empty range; 400 naming a bad field; 404 for an unknown trace', async () => {
    expectProblem(
      await queryLogs(service, tenant, { from: FROM, to: TO }, 422),
      422,
      'log_query.target_required',
    );
    expectProblem(
      await queryLogs(
        service,
        tenant,
        { traceId: trace, executionId: 'exec-1', from: FROM, to: TO },
        422,
      ),
      422,
      'log_query.target_required',
    );
    expectProblem(
      await queryLogs(service, tenant, { traceId: trace, from: TO, to: FROM }, 422),
      422,
      'log_query.invalid_range',
    );
    const bad = await queryLogs(
      service,
      tenant,
      { traceId: 'XYZ', from: FROM, to: TO, minSeverity: 'Loud' },
      400,
    );
    const fields = (bad.json<{ errors: { field: string }[] }>().errors ?? []).map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        expect.stringContaining('traceId'),
        expect.stringContaining('minSeverity'),
      ]),
    );
    expectProblem(
      await queryLogs(service, tenant, { traceId: newTraceId(), from: FROM, to: TO }, 404),
      404,
      'not_found',
    );
  });
});

describe('a full store', () => {
  it('answers 503 with Retry-After in the OTLP error shape, and stores nothing', async () => {
    const full = await startLogService({
      clock,
      config: { maxInFlightBatches: 0, retryAfterSeconds: 7 },
    });
    try {
      const tenant = uniqueTenant('logs-full');
      const trace = newTraceId();
      const res = await full.app.inject({
        method: 'POST',
        url: '/v1/logs',
        headers: { ...ingester(tenant), 'content-type': 'application/json' },
        payload: JSON.stringify(
          otlpLogs([
            {
              attributes: resourceAttributes(tenant),
              records: [{ timeMs: T0, body: 'x', traceId: trace }],
            },
          ]),
        ),
      });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('7');
      expect(res.json()).toEqual({ code: 14, message: 'the store is full; retry later' });
      expect((await referencesOf(full, tenant, { traceId: trace })).items).toEqual([]);
    } finally {
      await full.close();
    }
  });
});
