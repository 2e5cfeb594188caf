import { describe, expect, it } from 'vitest';
import {
  feedbackFromCostAnomaly,
  feedbackFromIncidentResolved,
  feedbackFromSloBreached,
  sloCategory,
  type IncidentResolvedFacts,
} from './feedback-drafts.js';
import { FeedbackItem } from './feedback-item.aggregate.js';
import { SUMMARY_MAX_LENGTH } from './feedback-values.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

const incident: IncidentResolvedFacts = {
  incidentId: 'inc-7',
  title: 'Checkout 5xx spike',
  severity: 'high',
  source: 'alert',
  sourceRef: 'fp-1',
  projectId: 'proj-1',
  moduleId: 'checkout',
  rootCause: 'connection pool exhausted',
  openedAt: '2025-01-01T10:00:00.000Z',
  resolvedAt: '2025-01-01T10:45:00.000Z',
  durationMs: 2_700_000,
};

function createFrom(draft: ReturnType<typeof feedbackFromIncidentResolved>): FeedbackItem {
  return FeedbackItem.create({ ...draft, feedbackItemId: 'fb-x', tenantId: 'acme' });
}

describe('feedback drafts from platform events', () => {
  it('turns IncidentResolved into negative reliability feedback sourced from the incident', () => {
    const draft = feedbackFromIncidentResolved(incident);
    expect(draft).toMatchObject({
      projectId: 'proj-1',
      source: 'incident',
      sourceId: 'inc-7',
      category: 'reliability',
      sentiment: 'negative',
      summary: 'Incident resolved (high): Checkout 5xx spike',
      traceId: null,
      createdAt: '2025-01-01T10:45:00.000Z',
    });
    expect(draft.detail).toContain('connection pool exhausted');
    expect(draft.detail).toContain('45 min');
    expect(draft.detail).toContain('Module: checkout');
    const [created] = createFrom(draft).pullEvents();
    expect(created?.eventType === 'FeedbackItemCreated' && created.payload.sourceId).toBe('inc-7');
  });

  it('takes the trace from the envelope or from a trace-sourced incident', () => {
    expect(feedbackFromIncidentResolved(incident, { traceId: TRACE }).traceId).toBe(TRACE);
    const fromTrace = { ...incident, source: 'trace', sourceRef: TRACE, moduleId: null };
    const draft = feedbackFromIncidentResolved(fromTrace);
    expect(draft.traceId).toBe(TRACE);
    expect(draft.detail).not.toContain('Module');
    expect(feedbackFromIncidentResolved(incident, { traceId: 'zzz' }).traceId).toBeNull();
  });

  it('clips a long title so the summary stays valid', () => {
    const draft = feedbackFromIncidentResolved({ ...incident, title: 't'.repeat(2000) });
    expect(draft.summary).toHaveLength(SUMMARY_MAX_LENGTH);
    expect(draft.summary.endsWith('…')).toBe(true);
    expect(() => createFrom(draft)).not.toThrow();
  });

  it('turns SloBreached into a runtime signal about reliability or performance', () => {
    const payload = {
      sloId: 'slo-1',
      projectId: 'proj-1',
      name: 'API availability',
      target: 99.9,
      windowMinutes: 43_200,
      errorBudget: 0.1,
      budgetRemaining: 0 as const,
      badPct: 0.125,
      breachedAt: '2025-01-05T00:00:00.000Z',
    };
    const draft = feedbackFromSloBreached(payload, { traceId: TRACE });
    expect(draft).toMatchObject({
      source: 'runtime-signal',
      sourceId: 'slo-1',
      category: 'reliability',
      sentiment: 'negative',
      traceId: TRACE,
      createdAt: '2025-01-05T00:00:00.000Z',
      summary: 'SLO breached: API availability (target 99.9%, 0.125% bad over 43200 min)',
    });
    // The SLO's own dimension wins over its name (issue 29); the name only for older events.
    expect(
      feedbackFromSloBreached({
        ...payload,
        name: 'Checkout p99 latency',
        dimension: 'reliability',
      }).category,
    ).toBe('reliability');
    expect(feedbackFromSloBreached({ ...payload, dimension: 'performance' }).category).toBe(
      'performance',
    );
    expect(feedbackFromSloBreached({ ...payload, name: 'Checkout p99 latency' }).category).toBe(
      'performance',
    );
    expect(() => createFrom(draft)).not.toThrow();
  });

  it.each([
    ['Search latency', 'performance'],
    ['Response time of /orders', 'performance'],
    ['p95 under 300ms', 'performance'],
    ['Order success rate', 'reliability'],
  ] as const)('classifies the SLO %j as %s', (name, category) => {
    expect(sloCategory(name)).toBe(category);
  });

  it('turns CostAnomalyDetected into negative cost feedback sourced from the signal', () => {
    const draft = feedbackFromCostAnomaly({
      costSignalId: 'cost_abc',
      projectId: 'proj-1',
      periodStart: '2025-01-01T00:00:00.000Z',
      periodEnd: '2025-01-02T00:00:00.000Z',
      currency: 'USD',
      category: 'model_inference',
      observed: 180,
      baseline: 100,
      deltaPct: 80,
      detectedAt: '2025-01-02T00:00:00.000Z',
    });
    expect(draft).toMatchObject({
      source: 'runtime-signal',
      sourceId: 'cost_abc',
      category: 'cost',
      sentiment: 'negative',
      traceId: null,
      summary: 'Cost anomaly: model_inference 180 USD vs baseline 100 USD (+80%)',
      createdAt: '2025-01-02T00:00:00.000Z',
    });
    expect(() => createFrom(draft)).not.toThrow();
  });
});
