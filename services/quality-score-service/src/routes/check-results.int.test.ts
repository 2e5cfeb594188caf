import { topicFor } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { expectProblem, TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DAY,
  check,
  compute,
  latestOf,
  postChecks,
  startQualityService,
  uniqueTenant,
  type ScoreBody,
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

describe('POST /v1/quality-scores/{projectId}/check-results', () => {
  it('counts failed checks in correctness and maintainability, and a re-sent batch changes nothing', async () => {
    const tenant = uniqueTenant('qs-checks');
    const results = [
      check({ checkId: 'ci/run-1/unit', dimension: 'correctness', outcome: 'failed' }),
      check({ checkId: 'ci/run-1/e2e', dimension: 'correctness', outcome: 'failed' }),
      check({
        checkId: 'eslint/abc',
        source: 'linter',
        dimension: 'maintainability',
        outcome: 'failed',
      }),
      check({
        checkId: 'eslint/def',
        source: 'linter',
        dimension: 'maintainability',
        outcome: 'passed',
      }),
    ];
    const res = await postChecks(service, tenant, 'checkout', results);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ accepted: number; scores: ScoreBody[] }>();
    // Hand-computed: correctness 4/(4+2) = 0.6667; maintainability (4+1)/(4+1+1) = 0.8333;
    // overall = 0.3 + 0.2 + 0.1 + 0.15·0.8333 + 0.25·0.6667 = 0.891663 → 0.8917.
    expect(body.accepted).toBe(4);
    expect(body.scores).toHaveLength(1);
    expect(body.scores[0]).toMatchObject({
      window: DAY,
      overall: 0.8917,
      dimensions: { reliability: 1, correctness: 0.6667, maintainability: 0.8333 },
      version: 1,
    });
    expect(await latestOf(service, tenant, 'checkout')).toEqual(body.scores[0]);

    const again = await postChecks(service, tenant, 'checkout', results);
    expect(again.json<{ scores: ScoreBody[] }>().scores).toEqual(body.scores);

    // A re-run of the same check replaces its result.
    const rerun = await postChecks(service, tenant, 'checkout', [
      { ...results[0]!, outcome: 'passed' },
    ]);
    const [after] = rerun.json<{ scores: ScoreBody[] }>().scores;
    // correctness (4+1)/(4+1+1) = 0.8333, version 2.
    expect(after).toMatchObject({ version: 2, dimensions: { correctness: 0.8333 } });
    const events = await probe.waitFor(tenant, 'QualityScoreComputed', 2);
    expect(events.map((e) => e.aggregate.version)).toEqual([1, 2]);
  });

  it('recomputes every window the results fall in, and only those', async () => {
    const tenant = uniqueTenant('qs-checks-windows');
    const week = await compute(service, tenant, 'checkout', {
      start: '2024-04-29T00:00:00.000Z',
      end: '2024-05-06T00:00:00.000Z',
    });
    const later = await compute(service, tenant, 'checkout', {
      start: '2024-06-01T00:00:00.000Z',
      end: '2024-06-02T00:00:00.000Z',
    });
    const res = await postChecks(service, tenant, 'checkout', [
      check({ completedAt: '2024-05-01T10:00:00+02:00' }),
      check({ completedAt: '2024-05-02T10:00:00Z' }),
    ]);
    const scores = res.json<{ scores: ScoreBody[] }>().scores;
    expect(scores.map((s) => [s.window.start, s.window.end])).toEqual([
      [week.window.start, week.window.end],
      [DAY.start, DAY.end],
      ['2024-05-02T00:00:00.000Z', '2024-05-03T00:00:00.000Z'],
    ]);
    // 2 failed correctness checks in the week: 4/6.
    expect(scores[0]).toMatchObject({ version: 2, dimensions: { correctness: 0.6667 } });
    expect(await compute(service, tenant, 'checkout', later.window)).toEqual(later);
  });

  it('counts every one of many concurrent requests for one project (the project lock)', async () => {
    const tenant = uniqueTenant('qs-checks-race');
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => postChecks(service, tenant, 'checkout', [check()])),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    // 8 failed correctness checks: 4/(4+8) = 0.3333, whichever request committed last.
    const latest = await latestOf(service, tenant, 'checkout');
    expect(latest).toMatchObject({ version: 8, dimensions: { correctness: 0.3333 } });
  });

  it('refuses a checkId repeated within a request with 422, storing nothing', async () => {
    const tenant = uniqueTenant('qs-checks-dup');
    const res = await postChecks(service, tenant, 'checkout', [
      check({ checkId: 'ci/1' }),
      check({ checkId: 'ci/1', outcome: 'passed' }),
    ]);
    expectProblem(res, 422, 'quality.duplicate_input');
    expect(await latestOf(service, tenant, 'checkout')).toBeUndefined();
  });

  it('refuses a completedAt outside 1900–3000 with 422, storing nothing', async () => {
    const tenant = uniqueTenant('qs-checks-range');
    const res = await postChecks(service, tenant, 'checkout', [
      check(),
      check({ completedAt: '1899-12-31T23:59:59Z' }),
    ]);
    const problem = expectProblem(res, 422, 'quality.instant_out_of_range');
    expect(JSON.stringify(problem.errors)).toContain('body.results.1.completedAt');
    expect(await latestOf(service, tenant, 'checkout')).toBeUndefined();
  });

  it.each([
    [[], 'results'],
    [[check({ dimension: 'reliability' })], 'dimension'],
    [[check({ outcome: 'flaky' })], 'outcome'],
    [[check({ completedAt: 'now' })], 'completedAt'],
    [[check({ checkId: 'has space' })], 'checkId'],
    [[{ ...check(), extra: 1 }], 'extra'],
  ])('answers 400 naming the field for %j', async (results, field) => {
    const res = await postChecks(service, uniqueTenant('qs-checks-bad'), 'checkout', results);
    expect(JSON.stringify(expectProblem(res, 400, 'validation_failed'))).toContain(field);
  });

  it("never counts one tenant's results in another tenant's project of the same name", async () => {
    const owner = uniqueTenant('qs-checks-owner');
    const intruder = uniqueTenant('qs-checks-intruder');
    const before = await compute(service, owner, 'checkout');
    const res = await postChecks(service, intruder, 'checkout', [check(), check()]);
    expect(res.statusCode).toBe(200);
    expect(res.json<{ scores: ScoreBody[] }>().scores[0]?.tenantId).toBe(intruder);
    expect(await compute(service, owner, 'checkout')).toEqual(before);
  });
});
