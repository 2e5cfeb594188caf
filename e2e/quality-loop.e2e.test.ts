import { costTelemetryService } from '@obs/cost-telemetry-service';
import { topicFor } from '@obs/event-envelope';
import { createFeedbackService, feedbackConfigFrom } from '@obs/feedback-service';
import { incidentService } from '@obs/incident-service';
import { qualityScoreService } from '@obs/quality-score-service';
import type { RunningService } from '@obs/service-kit';
import { bearer, startTestService, TopicReader } from '@obs/service-kit/testing';
import { telemetryCorrelationService } from '@obs/telemetry-correlation-service';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/**
 * The improvement loop of issue 12, end to end over real Kafka and Postgres and through public
 * APIs only (REST, and the public topics the services publish):
 * (a) an incident resolved with a root cause → IncidentResolved → reliability feedback →
 *     FeedbackItemCreated → the project's quality score drops in reliability;
 * (b) cost records spike → CostAnomalyDetected (and its cost feedback, the same cause) →
 *     cost_efficiency drops once;
 * (c) both traces show the incident, the feedback and the cost signal through
 *     GET /v1/correlations/{traceId}, and the QualityScoreComputed they caused carries the trace.
 */
const tenant = `e2e-quality-${Date.now()}`;
const auth = bearer(tenant, ['read', 'write', 'ingest']);
const INCIDENT_TRACE = '5b8efff798038103d269b633813fc60c';
const COST_TRACE = 'c6e1f3d2a4b5968778695a4b3c2d1e0f';

let incidents: RunningService;
let feedback: RunningService;
let costs: RunningService;
let quality: RunningService;
let correlations: RunningService;
let qualityTopic: TopicReader;

interface Score {
  window: { start: string; end: string };
  overall: number;
  dimensions: Record<
    'reliability' | 'performance' | 'cost_efficiency' | 'maintainability' | 'correctness',
    number
  >;
  version: number;
}

beforeAll(async () => {
  const storage = inject('infra').azureStorageConnectionString;
  [incidents, feedback, costs, quality, correlations] = await Promise.all([
    startTestService(incidentService),
    startTestService(
      createFeedbackService({ ...feedbackConfigFrom({}), storageConnectionString: storage }),
    ),
    // Without a storage connection string it has no export job: the loop needs none.
    startTestService(costTelemetryService),
    startTestService(qualityScoreService),
    startTestService(telemetryCorrelationService),
  ]);
  qualityTopic = await TopicReader.open(quality.ctx.bus, [topicFor('QualityScoreComputed')]);
});
afterAll(async () => {
  await qualityTopic?.close();
  await Promise.all(
    [incidents, feedback, costs, quality, correlations].map((service) => service?.close()),
  );
});

async function latestScore(projectId: string): Promise<Score | undefined> {
  const res = await quality.app.inject({
    method: 'GET',
    url: `/v1/quality-scores/${projectId}`,
    headers: auth,
  });
  return res.statusCode === 200 ? res.json<Score>() : undefined;
}

/** Polls until the project's latest score satisfies `ready`. */
async function scoreWhen(projectId: string, ready: (s: Score) => boolean): Promise<Score> {
  let seen: Score | undefined;
  await expect
    .poll(
      async () => {
        seen = await latestScore(projectId);
        return seen !== undefined && ready(seen);
      },
      { timeout: 60_000, interval: 200 },
    )
    .toBe(true);
  return seen!;
}

function today(): { start: string; end: string } {
  const day = 86_400_000;
  const start = Math.floor(Date.now() / day) * day;
  return { start: new Date(start).toISOString(), end: new Date(start + day).toISOString() };
}

let incidentId: string;
let costSignalId: string;

describe('the incident path', () => {
  it('a resolved incident becomes reliability feedback, and the reliability score drops', async () => {
    // Before anything happened the project scores perfectly today.
    const before = await quality.app.inject({
      method: 'POST',
      url: '/v1/quality-scores:compute',
      headers: auth,
      payload: { projectId: 'storefront', window: today() },
    });
    expect(before.statusCode, before.body).toBe(200);
    expect(before.json<Score>().dimensions.reliability).toBe(1);

    const opened = await incidents.app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: auth,
      payload: {
        title: 'Storefront 5xx spike',
        severity: 'high',
        projectId: 'storefront',
        traceId: INCIDENT_TRACE,
      },
    });
    expect(opened.statusCode, opened.body).toBe(201);
    incidentId = opened.json<{ id: string }>().id;
    const resolved = await incidents.app.inject({
      method: 'POST',
      url: `/v1/incidents/${incidentId}/resolve`,
      headers: auth,
      payload: { actor: 'alice', rootCause: 'Connection pool exhausted after a config change' },
    });
    expect(resolved.statusCode, resolved.body).toBe(200);

    // The resolved high incident (I = 4/5) and its reliability feedback (F = 4/5) are one cause
    // (issue 29): counted once, 0.8 (it was 4/5 · 4/5 = 0.64 when each counted).
    const after = await scoreWhen('storefront', (s) => s.dimensions.reliability === 0.8);
    expect(after).toMatchObject({
      window: today(),
      dimensions: { performance: 1, cost_efficiency: 1, maintainability: 1, correctness: 1 },
      overall: 0.94, // 0.3·0.8 + 0.7
    });
    const list = await feedback.app.inject({
      method: 'GET',
      url: '/v1/feedback?source=incident&category=reliability',
      headers: auth,
    });
    expect(list.json<{ items: { sourceId: string; detail: string }[] }>().items).toEqual([
      expect.objectContaining({ sourceId: incidentId }),
    ]);
  });
});

describe('the cost path', () => {
  it('a cost spike becomes an anomaly, then cost feedback, and cost_efficiency drops', async () => {
    const dimensions = {
      projectId: 'billing',
      moduleId: 'invoices',
      artifactId: 'invoice-api',
      executionId: 'exec-e2e',
      agentId: 'none',
      service: 'invoice-api',
      serviceVersion: '2.1.0',
      environment: 'production',
      region: 'westeurope',
      origin: 'factory',
    };
    const line = (day: string, amount: string, traceId?: string) => ({
      lineId: `${day}-${amount}-${traceId ?? 'none'}`,
      category: 'compute',
      occurredAt: `2024-03-${day}T12:00:00Z`,
      amount,
      currency: 'USD',
      ...(traceId ? { traceId } : {}),
      dimensions,
    });
    const post = (lines: object[]) =>
      costs.app.inject({
        method: 'POST',
        url: '/v1/cost-records',
        headers: auth,
        payload: { lines },
      });
    // Three quiet days (the baseline median is 10 USD), then a day at 100 USD.
    const quiet = await post([line('10', '10'), line('11', '10'), line('12', '10')]);
    expect(quiet.statusCode, quiet.body).toBe(200);
    const spike = await post([line('13', '100', COST_TRACE)]);
    expect(spike.statusCode, spike.body).toBe(200);

    // The anomaly is detected at the end of the day (event time), so the anomaly, its cost
    // feedback and the score they lower belong to 2024-03-14. They are one cause (issue 29),
    // counted once with the stronger weight: the anomaly's +900 % (capped at 400 %),
    // C = 4/(4+4) = 0.5, over the complaint's F = 4/5.
    const score = await scoreWhen('billing', (s) => s.dimensions.cost_efficiency === 0.5);
    expect(score).toMatchObject({
      window: { start: '2024-03-14T00:00:00.000Z', end: '2024-03-15T00:00:00.000Z' },
      dimensions: { reliability: 1, cost_efficiency: 0.5, correctness: 1 },
      overall: 0.95,
    });
    const signals = await costs.app.inject({
      method: 'GET',
      url: '/v1/cost-signals?projectId=billing&period=day&from=2024-03-13T00:00:00Z&to=2024-03-14T00:00:00Z',
      headers: auth,
    });
    const [signal] = signals.json<{ items: { id: string; anomalies: unknown[] }[] }>().items;
    expect(signal?.anomalies).toHaveLength(1);
    costSignalId = signal!.id;
  });
});

describe('the correlation path', () => {
  it('shows the incident, its feedback and the cost signal by trace, and the scores carry the traces', async () => {
    const correlation = async (traceId: string) => {
      const res = await correlations.app.inject({
        method: 'GET',
        url: `/v1/correlations/${traceId}`,
        headers: auth,
      });
      return res.statusCode === 200
        ? res.json<{ links: Record<string, { kind: string; targetId: string }[]> }>().links
        : undefined;
    };
    const kinds = (links: Awaited<ReturnType<typeof correlation>>) =>
      links === undefined
        ? []
        : [
            ...links.incidents!.map((l) => `incident:${l.targetId}`),
            ...links.feedback!.map((l) => l.kind),
            ...links.costSignals!.map((l) => `cost:${l.targetId}`),
          ].sort();

    await expect
      .poll(async () => kinds(await correlation(INCIDENT_TRACE)), {
        timeout: 60_000,
        interval: 200,
      })
      .toEqual(['feedback', `incident:${incidentId}`]);
    await expect
      .poll(async () => kinds(await correlation(COST_TRACE)), { timeout: 60_000, interval: 200 })
      .toEqual([`cost:${costSignalId}`, 'feedback']);

    const computed = await qualityTopic.waitFor(tenant, 'QualityScoreComputed', 1, 60_000);
    const traces = new Set(computed.map((e) => e.traceId));
    expect(traces).toContain(INCIDENT_TRACE);
    expect(traces).toContain(COST_TRACE);
    const costScore = computed.find((e) => e.payload.dimensions.cost_efficiency === 0.5);
    expect(costScore).toMatchObject({ traceId: COST_TRACE, payload: { projectId: 'billing' } });
  });
});
