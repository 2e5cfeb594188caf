import { randomUUID } from 'node:crypto';
import type { Envelope } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { buildEvent, busMessageOf } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  feedbackCreated,
  incidentOpened,
  incidentResolved,
  latestOf,
  sloBreached,
  startQualityService,
  uniqueTenant,
  type ScoreBody,
} from '../../test/quality-test-kit.js';

/**
 * Issue 29 over real Kafka: each cause counts once (an SLO breach, the incident it opened and the
 * feedback made of both; a cost anomaly and its feedback), and FeedbackItemRouted/Applied move
 * the item's status (applied weighs as resolved).
 */
vi.setConfig({ testTimeout: 200_000 });

let service: RunningService;
const publish = (...envelopes: Envelope[]): Promise<void> =>
  service.ctx.bus.publish(envelopes.map((e) => busMessageOf(e)));

beforeAll(async () => {
  service = await startQualityService();
});
afterAll(async () => {
  await service.close();
});

async function scoreWhen(
  tenantId: string,
  ready: (score: ScoreBody) => boolean,
): Promise<ScoreBody> {
  let seen: ScoreBody | undefined;
  await expect
    .poll(
      async () => {
        seen = await latestOf(service, tenantId, 'checkout');
        return seen !== undefined && ready(seen);
      },
      { timeout: 90_000, interval: 100 },
    )
    .toBe(true);
  return seen!;
}

/** The feedback feedback-service makes of an event: its causation is that event. */
function feedbackOf(
  tenantId: string,
  cause: Envelope,
  source: 'incident' | 'runtime-signal',
  sourceId: string,
  createdAt: string,
): Envelope<'FeedbackItemCreated'> {
  const event = feedbackCreated({ tenantId, createdAt });
  return {
    ...event,
    causationId: cause.eventId,
    payload: { ...event.payload, source, sourceId },
  };
}

describe('each cause once', () => {
  it('an SLO breach, the incident it opened and their feedback lower reliability once', async () => {
    const tenant = uniqueTenant('qs-cause');
    const breach = sloBreached({ tenantId: tenant, breachedAt: '2024-05-01T10:00:00.000Z' });
    await publish(breach);
    const alone = await scoreWhen(tenant, (s) => s.dimensions.reliability < 1);
    expect(alone.dimensions.reliability).toBe(0.5);

    const incidentId = randomUUID();
    const base = incidentOpened({ tenantId: tenant, incidentId, severity: 'critical' });
    const opened: Envelope<'IncidentOpened'> = {
      ...base,
      causationId: breach.eventId,
      payload: { ...base.payload, source: 'slo', sourceRef: breach.payload.sloId },
    };
    const resolved = incidentResolved({ tenantId: tenant, incidentId, severity: 'critical' });
    const fromBreach = feedbackOf(
      tenant,
      breach,
      'runtime-signal',
      breach.payload.sloId,
      '2024-05-01T10:00:00.000Z',
    );
    const fromIncident = feedbackOf(
      tenant,
      resolved,
      'incident',
      incidentId,
      '2024-05-01T11:00:00.000Z',
    );
    // A marker after them: an unrelated complaint about performance.
    const marker = feedbackCreated({ tenantId: tenant, category: 'performance' });
    await publish(opened, resolved, fromBreach, fromIncident, marker);
    // The incident events and the feedback travel on two topics (and partitions) to two
    // consumers, so no marker says both were read: until the incident consumer has read the
    // resolution, the feedback made of it has no known cause and counts on its own (0.4 was seen
    // under load). Wait for every input to be stored; each consumer recomputes the score in the
    // transaction that stores its input, under the project lock, so the latest score has them all.
    const stored = async (sql: string): Promise<number> =>
      Number((await service.ctx.dataSource.query<{ n: string }[]>(sql, [tenant]))[0]?.n ?? 0);
    await expect
      .poll(
        async () => [
          await stored(
            'SELECT count(*) AS n FROM quality_score.feedback_inputs WHERE tenant_id = $1',
          ),
          await stored(
            'SELECT count(*) AS n FROM quality_score.incident_inputs WHERE tenant_id = $1 AND resolved_at IS NOT NULL',
          ),
        ],
        { timeout: 90_000, interval: 200 },
      )
      .toEqual([3, 1]);
    const after = await scoreWhen(tenant, (s) => s.dimensions.performance < 1);
    // Without causes: 0.5 · 4/(4+2) · (4/6)² ≈ 0.15. Counted once: the breach alone, 0.5.
    expect(after.dimensions.reliability).toBe(0.5);
  });

  it('a cost anomaly and its feedback count once, the stronger', async () => {
    const tenant = uniqueTenant('qs-cost');
    const anomaly = buildEvent('CostAnomalyDetected', {
      tenantId: tenant,
      payload: {
        projectId: 'checkout',
        deltaPct: 250,
        detectedAt: '2024-05-01T09:00:00.000Z',
      },
    });
    await publish(
      anomaly,
      feedbackOf(
        tenant,
        anomaly,
        'runtime-signal',
        anomaly.payload.costSignalId,
        '2024-05-01T09:00:00.000Z',
      ),
    );
    const score = await scoreWhen(tenant, (s) => s.dimensions.cost_efficiency < 1);
    // 4/(4+2.5) = 0.6154, not 0.6154 · 0.8 (both), nor 0.8 (the feedback alone).
    expect(score.dimensions.cost_efficiency).toBe(0.6154);
  });
});

describe('FeedbackItemRouted and FeedbackItemApplied', () => {
  it('an applied complaint weighs half; the artifact no longer counts it open', async () => {
    const tenant = uniqueTenant('qs-applied');
    const created = feedbackCreated({ tenantId: tenant, artifactId: 'payments-api' });
    await publish(created);
    const open = await scoreWhen(tenant, (s) => s.dimensions.reliability < 1);
    expect(open.artifactScores).toEqual([
      { artifactId: 'payments-api', score: 0.94, openFeedbackCount: 1 },
    ]);
    const id = created.payload.feedbackItemId;
    const routed = buildEvent('FeedbackItemRouted', {
      tenantId: tenant,
      aggregateId: id,
      aggregateVersion: 2,
      payload: { feedbackItemId: id, projectId: 'checkout', artifactId: 'payments-api' },
    });
    const applied = buildEvent('FeedbackItemApplied', {
      tenantId: tenant,
      aggregateId: id,
      aggregateVersion: 3,
      payload: { feedbackItemId: id, projectId: 'checkout', artifactId: 'payments-api' },
    });
    await publish(routed, applied, routed);
    const done = await scoreWhen(tenant, (s) => s.artifactScores[0]?.openFeedbackCount === 0);
    // F = 4/(4+0.5) = 0.8889; overall 0.3·0.8889 + 0.7.
    expect(done.dimensions.reliability).toBe(0.8889);
    expect(done.overall).toBe(0.9667);
  });
});
