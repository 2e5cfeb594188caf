import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import type { QualityScoreInputs } from './quality-formula.js';
import { QualityScore, type QualityScoreSnapshot } from './quality-score.aggregate.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

const inputs: QualityScoreInputs = {
  tenantId: 'acme',
  projectId: 'proj-1',
  window: { start: '2025-01-01T00:00:00Z', end: '2025-01-08T00:00:00Z' },
  feedback: [
    {
      feedbackItemId: 'f1',
      artifactId: 'art-a',
      category: 'correctness',
      sentiment: 'negative',
      status: 'captured',
    },
  ],
  incidents: [{ incidentId: 'i1', severity: 'warning', open: true }],
};

describe('QualityScore.create', () => {
  it('records QualityScoreComputed with the contract payload', () => {
    const score = QualityScore.create(inputs);
    expect(score.overall).toBe(0.89);
    expect(score.pullEvents()).toEqual([
      {
        eventType: 'QualityScoreComputed',
        aggregateType: 'QualityScore',
        aggregateId: score.id,
        tenantId: 'acme',
        traceId: null,
        occurredAt: '2025-01-08T00:00:00.000Z',
        payload: {
          qualityScoreId: score.id,
          projectId: 'proj-1',
          windowStart: '2025-01-01T00:00:00.000Z',
          windowEnd: '2025-01-08T00:00:00.000Z',
          overall: 0.89,
          dimensions: {
            reliability: 0.8,
            performance: 1,
            cost_efficiency: 1,
            maintainability: 1,
            correctness: 0.8,
          },
          artifactScores: [{ artifactId: 'art-a', score: 0.95, openFeedbackCount: 1 }],
          computedAt: '2025-01-08T00:00:00.000Z',
        },
      },
    ]);
  });

  it('refuses an invalid window', () => {
    const window = { start: '2025-01-08T00:00:00Z', end: '2025-01-08T00:00:00Z' };
    expect(codeOf(() => QualityScore.create({ ...inputs, window }))).toBe('quality.invalid_window');
  });
});

describe('QualityScore.recompute', () => {
  it('is idempotent: identical inputs in any order record nothing and keep the snapshot', () => {
    const score = QualityScore.create(inputs);
    score.pullEvents();
    const before = score.toSnapshot();
    expect(score.recompute({ ...inputs, feedback: [...(inputs.feedback ?? [])].reverse() })).toBe(
      false,
    );
    expect(score.toSnapshot()).toEqual(before);
    expect(score.pullEvents()).toEqual([]);
  });

  it('records a new event when the result changes', () => {
    const score = QualityScore.create(inputs);
    score.pullEvents();
    expect(score.recompute({ ...inputs, incidents: [] })).toBe(true);
    expect(score.toSnapshot().dimensions.reliability).toBe(1);
    expect(score.pullEvents()).toHaveLength(1);
  });

  it('carries the trace of the causing signal on the event, never into the score', () => {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const created = QualityScore.create(inputs, { traceId: trace });
    expect(created.pullEvents()[0]?.traceId).toBe(trace);
    const plain = QualityScore.create(inputs);
    expect(plain.pullEvents()[0]?.traceId).toBeNull();
    expect(created.toSnapshot()).toEqual(plain.toSnapshot());
    expect(created.recompute({ ...inputs, incidents: [] }, { traceId: 'not-a-trace' })).toBe(true);
    expect(created.pullEvents()[0]?.traceId).toBeNull();
    expect(created.recompute(inputs, { traceId: trace })).toBe(true);
    expect(created.pullEvents()[0]?.traceId).toBe(trace);
  });

  it('refuses another (tenant, project, window)', () => {
    const score = QualityScore.create(inputs);
    const window = { start: '2025-01-08T00:00:00Z', end: '2025-01-15T00:00:00Z' };
    expect(codeOf(() => score.recompute({ ...inputs, window }))).toBe('quality.scope_mismatch');
  });

  it('property: a rehydrated score recomputed from the same inputs records nothing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('positive', 'neutral', 'negative'), { maxLength: 10 }),
        (moods) => {
          const signals: QualityScoreInputs = {
            ...inputs,
            feedback: moods.map((sentiment, i) => ({
              feedbackItemId: `f${i}`,
              artifactId: i % 2 === 0 ? 'art-a' : null,
              category: 'maintainability',
              sentiment,
              status: 'captured',
            })),
          };
          const first = QualityScore.create(signals);
          const reloaded = QualityScore.rehydrate(first.toSnapshot());
          expect(reloaded.recompute(signals)).toBe(false);
          expect(reloaded.pullEvents()).toEqual([]);
          expect(reloaded.toSnapshot()).toEqual(first.toSnapshot());
        },
      ),
    );
  });
});

describe('QualityScore.rehydrate', () => {
  function snapshot(overrides: Partial<QualityScoreSnapshot> = {}): QualityScoreSnapshot {
    return { ...QualityScore.create(inputs).toSnapshot(), ...overrides };
  }

  it('restores a snapshot unchanged and records no events', () => {
    const s = snapshot();
    const score = QualityScore.rehydrate(s);
    expect(score.toSnapshot()).toEqual(s);
    expect(score.pullEvents()).toEqual([]);
  });

  it.each([
    [{ overall: 1.2 }, 'quality.score_out_of_range'],
    [{ overall: -0.1 }, 'quality.score_out_of_range'],
    [
      {
        dimensions: {
          reliability: 1.5,
          performance: 1,
          cost_efficiency: 1,
          maintainability: 1,
          correctness: 1,
        },
      },
      'quality.score_out_of_range',
    ],
    [
      { artifactScores: [{ artifactId: 'a', score: 2, openFeedbackCount: 0 }] },
      'quality.score_out_of_range',
    ],
    [
      { artifactScores: [{ artifactId: 'a', score: 1, openFeedbackCount: -1 }] },
      'quality.invalid_input',
    ],
    [
      { artifactScores: [{ artifactId: '', score: 1, openFeedbackCount: 0 }] },
      'quality.invalid_input',
    ],
    [{ overall: 0.5 }, 'quality.overall_mismatch'],
    [{ qualityScoreId: 'qs_other' }, 'quality.id_mismatch'],
    [{ projectId: '' }, 'quality.project_required'],
  ])('refuses a stored row with %j (%s)', (overrides, code) => {
    expect(codeOf(() => QualityScore.rehydrate(snapshot(overrides)))).toBe(code);
  });
});
