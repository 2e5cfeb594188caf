import type { RunningService } from '@obs/service-kit';
import { expectProblem } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TRACE_A,
  ingester,
  line,
  sendLines,
  signalAt,
  signalsOf,
  startCostService,
  uniqueTenant,
} from '../../test/cost-test-kit.js';

const fieldsOf = (problem: Record<string, unknown>): string[] =>
  ((problem.errors ?? []) as { field: string }[]).map((e) => e.field);

let service: RunningService;
beforeAll(async () => {
  service = await startCostService();
});
afterAll(async () => {
  await service.close();
});

const post = (tenantId: string, payload: Record<string, unknown>) =>
  service.app.inject({
    method: 'POST',
    url: '/v1/cost-records',
    headers: ingester(tenantId),
    payload,
  });

describe('POST /v1/cost-records', () => {
  it('stores the lines and computes the day and month signals, total = sum of the breakdown', async () => {
    const tenant = uniqueTenant('cost-ingest');
    const result = await sendLines(service, tenant, [
      line({ category: 'model_inference', amount: '0.0185', traceId: TRACE_A }),
      line({ category: 'compute', amount: '2.5' }),
      line({ category: 'compute', amount: '0.5', occurredAt: '2030-01-11T08:00:00+02:00' }),
    ]);
    expect(result).toMatchObject({ accepted: 3, duplicates: 0, duplicateLineIds: [] });
    // Two days (the +02:00 line is 06:00 UTC on the 11th) and one month.
    expect(result.signalIds).toHaveLength(3);
    const day = await signalAt(service, tenant, 'day', '2030-01-10');
    expect(day).toMatchObject({
      tenantId: tenant,
      projectId: 'checkout',
      period: 'day',
      periodStart: '2030-01-10T00:00:00.000Z',
      periodEnd: '2030-01-11T00:00:00.000Z',
      currency: 'USD',
      total: '2.5185',
      breakdown: [
        { category: 'model_inference', amount: '0.0185' },
        { category: 'compute', amount: '2.5' },
      ],
      anomalies: [],
      computedAt: '2030-01-11T00:00:00.000Z',
      version: 1,
    });
    const month = await signalAt(service, tenant, 'month', '2030-01-01');
    expect(month).toMatchObject({
      periodEnd: '2030-02-01T00:00:00.000Z',
      total: '3.0185',
      breakdown: [
        { category: 'model_inference', amount: '0.0185' },
        { category: 'compute', amount: '3' },
      ],
    });
  });

  it('sums decimals exactly: ten lines of 0.1 and one of 0.2 make 1.2, never 1.2000000000000002', async () => {
    const tenant = uniqueTenant('cost-exact');
    await sendLines(service, tenant, [
      ...Array.from({ length: 10 }, () => line({ category: 'storage', amount: '0.1' })),
      line({ category: 'network', amount: '0.2' }),
      line({ category: 'network', amount: '0.000001' }),
    ]);
    const day = await signalAt(service, tenant, 'day', '2030-01-10');
    expect(day?.total).toBe('1.200001');
    expect(day?.breakdown).toEqual([
      { category: 'storage', amount: '1' },
      { category: 'network', amount: '0.200001' },
    ]);
    // 0.1 + 0.2 as separate batches, too.
    const other = uniqueTenant('cost-exact');
    await sendLines(service, other, [line({ amount: '0.1' })]);
    await sendLines(service, other, [line({ amount: '0.2' })]);
    expect((await signalAt(service, other, 'day', '2030-01-10'))?.total).toBe('0.3');
  });

  it('counts a resent line once, in a later batch or twice in one batch, and publishes nothing new', async () => {
    const tenant = uniqueTenant('cost-dup');
    const a = line({ lineId: 'line-a', amount: '10' });
    const b = line({ lineId: 'line-b', amount: '5' });
    expect(await sendLines(service, tenant, [a, b, a])).toMatchObject({
      accepted: 2,
      duplicates: 1,
      duplicateLineIds: ['line-a'],
    });
    const first = await signalAt(service, tenant, 'day', '2030-01-10');
    expect(first?.total).toBe('15');
    const again = await sendLines(service, tenant, [b, a]);
    expect(again).toEqual({
      accepted: 0,
      duplicates: 2,
      duplicateLineIds: ['line-a', 'line-b'],
      signalIds: [],
    });
    const after = await signalAt(service, tenant, 'day', '2030-01-10');
    expect(after).toEqual(first);
    // Another tenant may use the same line ids: ids are per tenant.
    const other = uniqueTenant('cost-dup');
    expect((await sendLines(service, other, [a])).accepted).toBe(1);
  });

  it('refuses a known line id with other content (409, whole batch, nothing written)', async () => {
    const tenant = uniqueTenant('cost-conflict');
    await sendLines(service, tenant, [line({ lineId: 'x-1', amount: '1' })]);
    const res = await post(tenant, {
      lines: [line({ lineId: 'x-2', amount: '7' }), line({ lineId: 'x-1', amount: '2' })],
    });
    const body = expectProblem(res, 409, 'cost.line_id_conflict');
    expect(fieldsOf(body)).toEqual(['body.lines.1.lineId']);
    const sameBatch = await post(tenant, {
      lines: [line({ lineId: 'y', amount: '1' }), line({ lineId: 'y', amount: '3' })],
    });
    expectProblem(sameBatch, 409, 'cost.line_id_conflict');
    expect((await signalAt(service, tenant, 'day', '2030-01-10'))?.total).toBe('1');
  });

  it.each([
    ['a negative amount', { amount: '-1' }, 'body.lines.0.amount'],
    ['an amount as a JSON number', { amount: 0.1 }, 'body.lines.0.amount'],
    ['more than 6 fraction digits', { amount: '0.0000001' }, 'body.lines.0.amount'],
    ['an exponent', { amount: '1e3' }, 'body.lines.0.amount'],
    ['an unknown category', { category: 'gpu' }, 'body.lines.0.category'],
    ['a lower-case currency', { currency: 'usd' }, 'body.lines.0.currency'],
    ['a malformed traceId', { traceId: 'xyz' }, 'body.lines.0.traceId'],
    ['a malformed occurredAt', { occurredAt: 'yesterday' }, 'body.lines.0.occurredAt'],
    ['a usage date in 1999', { occurredAt: '1999-12-31T23:00:00Z' }, 'body.lines.0.occurredAt'],
    ['an unknown field', { price: '1' }, 'body.lines.0.price'],
    ['tokens on a compute line', { inputTokens: 3 }, 'body.lines.0.inputTokens'],
  ])('answers 400 naming the field for %s', async (_name, patch, fieldName) => {
    const tenant = uniqueTenant('cost-bad');
    const res = await post(tenant, { lines: [{ ...line(), ...patch }] });
    const body = expectProblem(res, 400, 'validation_failed');
    expect((body.errors as { field: string }[]).map((e) => e.field)).toContain(fieldName);
    expect(await signalsOf(service, tenant)).toEqual([]);
  });

  it('answers 400 for an LLM line without its model or tokens, an empty batch and a missing dimension', async () => {
    const tenant = uniqueTenant('cost-bad');
    const { model: _m, ...noModel } = line({ category: 'model_inference' });
    expect(
      (
        expectProblem(await post(tenant, { lines: [noModel] }), 400, 'validation_failed')
          .errors as { field: string }[]
      ).map((e) => e.field),
    ).toContain('body.lines.0.model');
    expectProblem(await post(tenant, { lines: [] }), 400, 'validation_failed');
    const { dimensions, ...rest } = line() as { dimensions: Record<string, string> };
    const { region: _r, ...noRegion } = dimensions;
    const missing = expectProblem(
      await post(tenant, { lines: [{ ...rest, dimensions: noRegion }] }),
      400,
      'validation_failed',
    );
    expect((missing.errors as { field: string }[]).map((e) => e.field)).toContain(
      'body.lines.0.dimensions.region',
    );
  });

  it("refuses another tenant's dimensions and a second currency with 422 naming the line; nothing written", async () => {
    const tenant = uniqueTenant('cost-422');
    const foreign = line();
    (foreign.dimensions as Record<string, string>).tenantId = 'someone-else';
    const mismatch = expectProblem(
      await post(tenant, { lines: [line(), foreign] }),
      422,
      'cost.tenant_mismatch',
    );
    expect(fieldsOf(mismatch)).toEqual(['body.lines.1.dimensions.tenantId']);
    const blank = line();
    (blank.dimensions as Record<string, string>).service = '   ';
    expectProblem(await post(tenant, { lines: [blank] }), 422, 'telemetry.missing_dimensions');
    await sendLines(service, tenant, [line({ currency: 'EUR', amount: '4' })]);
    const second = expectProblem(
      await post(tenant, { lines: [line({ currency: 'EUR' }), line({ currency: 'USD' })] }),
      422,
      'money.currency_mismatch',
    );
    expect(fieldsOf(second)).toEqual(['body.lines.1.currency']);
    expect((await signalAt(service, tenant, 'day', '2030-01-10'))?.total).toBe('4');
  });

  it('answers 400 for malformed JSON and 415 for a non-JSON body', async () => {
    const tenant = uniqueTenant('cost-bad');
    const malformed = await service.app.inject({
      method: 'POST',
      url: '/v1/cost-records',
      headers: { ...ingester(tenant), 'content-type': 'application/json' },
      payload: '{"lines": [',
    });
    expect(malformed.statusCode).toBe(400);
    const text = await service.app.inject({
      method: 'POST',
      url: '/v1/cost-records',
      headers: { ...ingester(tenant), 'content-type': 'text/csv' },
      payload: 'a,b',
    });
    expect(text.statusCode).toBe(415);
  });
});
