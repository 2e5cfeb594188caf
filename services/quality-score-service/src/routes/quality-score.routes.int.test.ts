import { topicFor } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { expectProblem, TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DAY,
  compute,
  historyOf,
  latestOf,
  reader,
  startQualityService,
  uniqueTenant,
  writer,
} from '../../test/quality-test-kit.js';

let service: RunningService;
let probe: TopicReader;

beforeAll(async () => {
  service = await startQualityService({ runConsumers: false });
  probe = await TopicReader.open(service.ctx.bus, [topicFor('QualityScoreComputed')]);
});
afterAll(async () => {
  await probe.close();
  await service.close();
});

const dayOf = (d: number) => ({
  start: `2024-05-0${d}T00:00:00.000Z`,
  end: `2024-05-0${d + 1}T00:00:00.000Z`,
});

describe('POST /v1/quality-scores:compute', () => {
  it('scores a project without inputs as perfect, and a repeat stores and emits nothing new', async () => {
    const tenant = uniqueTenant('qs-compute');
    const first = await compute(service, tenant, 'checkout');
    expect(first.id).toMatch(/^qs_[0-9a-f]{32}$/);
    expect(first).toMatchObject({
      tenantId: tenant,
      projectId: 'checkout',
      window: DAY,
      computedAt: DAY.end,
      overall: 1,
      dimensions: {
        reliability: 1,
        performance: 1,
        cost_efficiency: 1,
        maintainability: 1,
        correctness: 1,
      },
      artifactScores: [],
      version: 1,
    });
    const again = await compute(service, tenant, 'checkout', {
      start: '2024-05-01T02:00:00+02:00', // the same instant, written with an offset
      end: DAY.end,
    });
    expect(again).toEqual(first);

    const [event] = await probe.waitFor(tenant, 'QualityScoreComputed', 1);
    expect(event).toMatchObject({
      producer: 'quality-score-service',
      aggregate: { type: 'QualityScore', id: first.id, version: 1 },
      payload: {
        qualityScoreId: first.id,
        projectId: 'checkout',
        windowStart: DAY.start,
        windowEnd: DAY.end,
        overall: 1,
        computedAt: DAY.end,
      },
    });
    // A marker computed after the repeat: once its event is here, the repeat's would be too.
    await compute(service, tenant, 'marker');
    const events = await probe.waitFor(tenant, 'QualityScoreComputed', 2);
    expect(events.map((e) => e.payload.projectId)).toEqual(['checkout', 'marker']);
    expect(probe.invalid()).toEqual([]);
  });

  it('answers the ETag of the stored version', async () => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/quality-scores:compute',
      headers: writer(uniqueTenant('qs-etag')),
      payload: { projectId: 'checkout', window: DAY },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"1"');
  });

  it('refuses an empty window with 422 quality.invalid_window and stores nothing', async () => {
    const tenant = uniqueTenant('qs-window');
    for (const window of [
      { start: DAY.end, end: DAY.start },
      { start: DAY.start, end: DAY.start },
    ]) {
      const res = await service.app.inject({
        method: 'POST',
        url: '/v1/quality-scores:compute',
        headers: writer(tenant),
        payload: { projectId: 'checkout', window },
      });
      expectProblem(res, 422, 'quality.invalid_window');
    }
    expect(await latestOf(service, tenant, 'checkout')).toBeUndefined();
  });

  it('refuses instants outside 1900–3000 with 422, naming the field', async () => {
    for (const [window, field] of [
      [{ start: '0001-01-01T00:30:00+01:00', end: DAY.end }, 'body.window.start'],
      [{ start: DAY.start, end: '9999-12-31T23:00:00-02:00' }, 'body.window.end'],
    ] as const) {
      const res = await service.app.inject({
        method: 'POST',
        url: '/v1/quality-scores:compute',
        headers: writer(uniqueTenant('qs-range')),
        payload: { projectId: 'checkout', window },
      });
      expect(expectProblem(res, 422, 'quality.instant_out_of_range').errors).toEqual([
        { field, message: 'instant out of the supported range' },
      ]);
    }
  });

  it.each([
    [{ window: DAY }, 'projectId'],
    [{ projectId: '   ', window: DAY }, 'projectId'],
    [{ projectId: 'p', window: { start: DAY.start } }, 'end'],
    [{ projectId: 'p', window: { start: 'yesterday', end: DAY.end } }, 'start'],
    [{ projectId: 'p', window: DAY, tenantId: 'other' }, 'tenantId'],
  ])('answers 400 naming the field for %j', async (payload, field) => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/quality-scores:compute',
      headers: writer(uniqueTenant('qs-bad')),
      payload,
    });
    const problem = expectProblem(res, 400, 'validation_failed');
    expect(JSON.stringify(problem)).toContain(field);
  });

  it('answers 405 with Allow for another method on the compute path', async () => {
    const res = await service.app.inject({
      method: 'GET',
      url: '/v1/quality-scores:compute',
      headers: reader(uniqueTenant('qs-405')),
    });
    expectProblem(res, 405, 'method_not_allowed');
    expect(res.headers.allow).toBe('POST');
  });
});

describe('GET latest and history', () => {
  it('serves the score whose window ends last, and 404 for a project without score', async () => {
    const tenant = uniqueTenant('qs-latest');
    await compute(service, tenant, 'checkout', dayOf(3));
    const week = await compute(service, tenant, 'checkout', {
      start: dayOf(1).start,
      end: dayOf(4).end,
    });
    await compute(service, tenant, 'checkout', dayOf(2));
    await compute(service, tenant, 'other', dayOf(8));
    const latest = await latestOf(service, tenant, 'checkout');
    expect(latest).toEqual(week);
    const res = await service.app.inject({
      method: 'GET',
      url: '/v1/quality-scores/checkout',
      headers: reader(tenant),
    });
    expect(res.headers.etag).toBe('"1"');
    expectProblem(
      await service.app.inject({
        method: 'GET',
        url: '/v1/quality-scores/nobody',
        headers: reader(tenant),
      }),
      404,
      'not_found',
    );
  });

  it('pages the history newest first with a keyset cursor, and refuses a malformed cursor', async () => {
    const tenant = uniqueTenant('qs-history');
    const computed = [];
    for (const d of [1, 2, 3, 4, 5])
      computed.push(await compute(service, tenant, 'checkout', dayOf(d)));
    await compute(service, tenant, 'checkout', dayOf(1)); // unchanged: not a new revision
    await compute(service, tenant, 'elsewhere', dayOf(1));

    const first = await historyOf(service, tenant, 'checkout', '?limit=2');
    expect(first.items.map((i) => i.window.start)).toEqual([dayOf(5).start, dayOf(4).start]);
    expect(first.nextCursor).toMatch(/^[0-9]+\.[0-9a-f-]{36}$/);
    const second = await historyOf(
      service,
      tenant,
      'checkout',
      `?limit=2&cursor=${first.nextCursor}`,
    );
    const third = await historyOf(
      service,
      tenant,
      'checkout',
      `?limit=2&cursor=${second.nextCursor}`,
    );
    expect([...first.items, ...second.items, ...third.items]).toEqual([...computed].reverse());
    expect(third.nextCursor).toBeNull();

    expectProblem(
      await service.app.inject({
        method: 'GET',
        url: '/v1/quality-scores/checkout/history?cursor=not-a-cursor',
        headers: reader(tenant),
      }),
      400,
      'invalid_cursor',
    );
    expectProblem(
      await service.app.inject({
        method: 'GET',
        url: '/v1/quality-scores/nobody/history',
        headers: reader(tenant),
      }),
      404,
      'not_found',
    );
  });
});
