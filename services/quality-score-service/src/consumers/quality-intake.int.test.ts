import { topicFor, type Envelope } from '@obs/event-envelope';
import { startConsumerSpan, type RunningService } from '@obs/service-kit';
import { busMessageOf, TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { QualityInputs } from '../quality-inputs.js';
import { QualityIntake } from '../quality-intake.js';
import { qualityScoreStore } from '../quality-score.repository.js';
import { ScoreRecomputer } from '../score-recomputer.js';
import {
  DAY,
  TRACE_ID,
  compute,
  feedbackCreated,
  historyOf,
  incidentOpened,
  incidentResolved,
  latestOf,
  sloBreached,
  startQualityService,
  uniqueTenant,
  type ScoreBody,
} from '../../test/quality-test-kit.js';

// Every test waits on the consumers (see scoreWhen), some of them more than once.
vi.setConfig({ testTimeout: 200_000 });

let service: RunningService;
let probe: TopicReader;
/** Publishes as another service's relay would: busMessageOf keys and labels like production. */
const publish = (...envelopes: Envelope[]): Promise<void> =>
  service.ctx.bus.publish(envelopes.map((e) => busMessageOf(e)));

beforeAll(async () => {
  service = await startQualityService();
  probe = await TopicReader.open(service.ctx.bus, [topicFor('QualityScoreComputed')]);
});
afterAll(async () => {
  await probe.close();
  await service.close();
});

/**
 * Polls the project's latest score until `ready` holds for it. The wait is long because under
 * `pnpm test` other suites run at the same time and share the broker: a consumer group whose
 * earlier member (the e2e loop's service) just left can take a rebalance round to settle.
 */
async function scoreWhen(
  tenantId: string,
  ready: (score: ScoreBody) => boolean,
  projectId = 'checkout',
): Promise<ScoreBody> {
  let seen: ScoreBody | undefined;
  await expect
    .poll(
      async () => {
        seen = await latestOf(service, tenantId, projectId);
        return seen !== undefined && ready(seen);
      },
      { timeout: 90_000, interval: 100 },
    )
    .toBe(true);
  return seen!;
}

describe('FeedbackItemCreated', () => {
  it('scores the UTC day of the item, publishes QualityScoreComputed with its trace, and ignores a redelivery', async () => {
    const tenant = uniqueTenant('qs-fb');
    const event = feedbackCreated({
      tenantId: tenant,
      category: 'reliability',
      sentiment: 'negative',
      artifactId: 'payments-api',
      traceId: TRACE_ID,
    });
    await publish(event);
    const score = await scoreWhen(tenant, (s) => s.dimensions.reliability < 1);
    // Hand-computed: F(reliability) = 4 / (4 + 1) = 0.8; overall = 0.3·0.8 + 0.7 = 0.94.
    expect(score).toMatchObject({
      window: DAY,
      overall: 0.94,
      dimensions: { reliability: 0.8, performance: 1, correctness: 1 },
      artifactScores: [{ artifactId: 'payments-api', score: 0.94, openFeedbackCount: 1 }],
      version: 1,
    });
    const [computed] = await probe.waitFor(tenant, 'QualityScoreComputed', 1);
    expect(computed).toMatchObject({
      traceId: TRACE_ID,
      causationId: event.eventId,
      payload: { qualityScoreId: score.id, overall: 0.94 },
    });

    await publish(
      event,
      feedbackCreated({ tenantId: tenant, category: 'performance', sentiment: 'neutral' }),
    );
    // The neutral marker changes nothing either; a positive one after it does.
    await publish(
      feedbackCreated({ tenantId: tenant, category: 'reliability', sentiment: 'positive' }),
    );
    const after = await scoreWhen(tenant, (s) => s.version === 2);
    expect(after.dimensions.reliability).toBe(roundedOf(5 / 6));
    expect(await probe.waitFor(tenant, 'QualityScoreComputed', 2)).toHaveLength(2);
  });

  it('ignores feedback without a project', async () => {
    const tenant = uniqueTenant('qs-fb-none');
    await publish(feedbackCreated({ tenantId: tenant, projectId: null }));
    await publish(feedbackCreated({ tenantId: tenant, projectId: 'marker' }));
    await scoreWhen(tenant, () => true, 'marker');
    expect(await latestOf(service, tenant, 'checkout')).toBeUndefined();
  });

  it('keeps a window somebody computed by hand up to date, and another tenant out of it', async () => {
    const tenant = uniqueTenant('qs-fb-week');
    const other = uniqueTenant('qs-fb-other');
    const week = { start: '2024-04-29T00:00:00.000Z', end: '2024-05-06T00:00:00.000Z' };
    const before = await compute(service, tenant, 'checkout', week);
    const untouched = await compute(service, other, 'checkout', week);
    await publish(feedbackCreated({ tenantId: tenant, category: 'correctness' }));
    await scoreWhen(tenant, () => true);
    await expect
      .poll(async () => (await historyOf(service, tenant, 'checkout')).items.length, {
        timeout: 30_000,
      })
      .toBe(3);
    const weekNow = (await historyOf(service, tenant, 'checkout')).items.find(
      (s) => s.window.start === week.start,
    );
    expect(weekNow).toMatchObject({ id: before.id, version: 2, dimensions: { correctness: 0.8 } });
    expect(await compute(service, other, 'checkout', week)).toEqual(untouched);
  });
});

describe('the same event through another path (a DLQ re-drive, a renamed group)', () => {
  it('finds its input already recorded: the same inputs, nothing written, nothing emitted', async () => {
    const tenant = uniqueTenant('qs-redrive');
    const inputs = new QualityInputs(service.ctx);
    const store = qualityScoreStore(
      service.ctx.dataSource,
      service.ctx.uow,
      service.ctx.table('quality_score_revisions'),
    );
    const intake = new QualityIntake(inputs, new ScoreRecomputer(service.ctx, inputs, store));
    const event = feedbackCreated({ tenantId: tenant, category: 'maintainability' });
    const apply = () => {
      // As the consumer runner does: a consumer span around the event's transaction.
      const { span, context } = startConsumerSpan('redrive', {});
      return service.ctx.uow
        .run({ context, causationId: event.eventId }, (tx) => intake.feedbackItemCreated(event, tx))
        .finally(() => span.end());
    };
    const [first] = await apply();
    const [second] = await apply();
    expect(first).toMatchObject({ changed: true, version: 1 });
    expect(second).toMatchObject({ changed: false, version: 1 });
    expect((await historyOf(service, tenant, 'checkout')).items).toHaveLength(1);
  });
});

describe('IncidentOpened and IncidentResolved', () => {
  it('weigh an open incident double and a resolved one once', async () => {
    const tenant = uniqueTenant('qs-inc');
    const opened = incidentOpened({ tenantId: tenant, severity: 'high' });
    await publish(opened);
    // Open high incident: I = 4 / (4 + 1·2) = 0.6667.
    const open = await scoreWhen(tenant, (s) => s.dimensions.reliability < 1);
    expect(open.dimensions.reliability).toBe(0.6667);
    const resolved = incidentResolved({ tenantId: tenant, incidentId: opened.payload.incidentId });
    await publish(resolved, resolved, opened); // a redelivery, and a late re-open copy
    // Resolved in the window: I = 4 / (4 + 1) = 0.8; a late IncidentOpened never re-opens it.
    const done = await scoreWhen(tenant, (s) => s.dimensions.reliability === 0.8);
    await publish(
      feedbackCreated({ tenantId: tenant, category: 'performance', sentiment: 'negative' }),
    );
    const final = await scoreWhen(tenant, (s) => s.dimensions.performance < 1);
    expect(final).toMatchObject({ version: done.version + 1, dimensions: { reliability: 0.8 } });
    expect(done.version).toBe(2);
  });
});

describe('SloBreached', () => {
  it('halves reliability for an availability SLO and performance for a latency SLO', async () => {
    const tenant = uniqueTenant('qs-slo');
    await publish(sloBreached({ tenantId: tenant, name: 'Payments availability' }));
    await publish(sloBreached({ tenantId: tenant, name: 'Checkout p95 latency' }));
    // Each breached SLO has used its whole budget: S = 0.5 + 0.5 · 0 = 0.5.
    const score = await scoreWhen(tenant, (s) => s.dimensions.performance < 1);
    expect(score.dimensions).toMatchObject({ reliability: 0.5, performance: 0.5 });
    // 0.3·0.5 + 0.2·0.5 + 0.1 + 0.15 + 0.25
    expect(score.overall).toBe(0.75);
  });
});

function roundedOf(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
