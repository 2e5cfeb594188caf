import {
  computeQualityScore,
  type QualityCheckInput,
  type QualityFeedbackInput,
  type QualityScoreInputs,
} from '@obs/domain';
import { describe, expect, it } from 'vitest';

/**
 * The tables of docs/services/quality-score.md, computed by hand there and checked here against
 * the domain's formula, so the document and the code cannot drift apart.
 */

const base: QualityScoreInputs = {
  tenantId: 'acme',
  projectId: 'checkout',
  window: { start: '2024-05-01T00:00:00Z', end: '2024-05-02T00:00:00Z' },
};

let n = 0;
function fb(
  category: string,
  sentiment: string,
  artifactId: string | null = null,
): QualityFeedbackInput {
  n += 1;
  return { feedbackItemId: `f${n}`, artifactId, category, sentiment, status: 'captured' };
}
function ck(dimension: string, outcome: string): QualityCheckInput {
  n += 1;
  return { checkId: `c${n}`, dimension, outcome };
}

type Dimension =
  'reliability' | 'performance' | 'cost_efficiency' | 'maintainability' | 'correctness';

const DIMENSION_TABLE: readonly [string, Partial<QualityScoreInputs>, Dimension, number][] = [
  [
    '1 negative reliability feedback: 4/5',
    { feedback: [fb('reliability', 'negative')] },
    'reliability',
    0.8,
  ],
  [
    '2 negative, 1 positive, 1 neutral reliability feedback: 5/7',
    {
      feedback: [
        fb('reliability', 'negative'),
        fb('reliability', 'negative'),
        fb('reliability', 'positive'),
        fb('reliability', 'neutral'),
      ],
    },
    'reliability',
    0.7143,
  ],
  [
    'an open critical incident: 4/(4+2·2)',
    { incidents: [{ incidentId: 'i1', severity: 'critical', open: true }] },
    'reliability',
    0.5,
  ],
  [
    'a resolved warning and a resolved info incident: 4/4.75',
    {
      incidents: [
        { incidentId: 'i1', severity: 'warning', open: false },
        { incidentId: 'i2', severity: 'info', open: false },
      ],
    },
    'reliability',
    0.8421,
  ],
  [
    'a resolved high incident and its reliability feedback: 4/5 · 4/5',
    {
      incidents: [{ incidentId: 'i1', severity: 'high', open: false }],
      feedback: [fb('reliability', 'negative')],
    },
    'reliability',
    0.64,
  ],
  [
    'a breached availability SLO: 0.5 + 0.5·0',
    { slos: [{ sloId: 's1', errorBudget: 0.1, budgetRemaining: 0, status: 'breached' }] },
    'reliability',
    0.5,
  ],
  [
    'a breached latency SLO and 1 negative performance feedback: 4/5 · 0.5',
    {
      slos: [
        {
          sloId: 's1',
          errorBudget: 1,
          budgetRemaining: 0,
          status: 'breached',
          dimension: 'performance',
        },
      ],
      feedback: [fb('performance', 'negative')],
    },
    'performance',
    0.4,
  ],
  [
    '2 negative cost feedback: 4/6',
    { feedback: [fb('cost', 'negative'), fb('cost', 'negative')] },
    'cost_efficiency',
    0.6667,
  ],
  [
    'a +250 % cost anomaly: 4/(4+2.5)',
    { costAnomalies: [{ costSignalId: 'c1', category: 'compute', deltaPct: 250 }] },
    'cost_efficiency',
    0.6154,
  ],
  [
    '1 failed and 3 passed linter checks: 7/8',
    {
      checks: [
        ck('maintainability', 'failed'),
        ck('maintainability', 'passed'),
        ck('maintainability', 'passed'),
        ck('maintainability', 'passed'),
      ],
    },
    'maintainability',
    0.875,
  ],
  [
    '1 negative correctness feedback and 1 failed CI check: 4/5 · 4/5',
    { feedback: [fb('correctness', 'negative')], checks: [ck('correctness', 'failed')] },
    'correctness',
    0.64,
  ],
];

describe('each dimension (docs table 1)', () => {
  it.each(DIMENSION_TABLE)('%s', (_name, inputs, dimension, expected) => {
    const result = computeQualityScore({ ...base, ...inputs });
    expect(result.dimensions[dimension]).toBe(expected);
    for (const other of Object.keys(result.dimensions) as Dimension[]) {
      if (other !== dimension) expect(result.dimensions[other]).toBe(1);
    }
  });
});

describe('overall (docs table 2)', () => {
  it('is 0.30·R + 0.20·P + 0.10·C + 0.15·M + 0.25·Co over the rounded dimensions', () => {
    const result = computeQualityScore({
      ...base,
      incidents: [{ incidentId: 'i1', severity: 'high', open: false }],
      feedback: [fb('reliability', 'negative'), fb('cost', 'negative')],
      checks: [ck('correctness', 'failed'), ck('correctness', 'passed')],
    });
    expect(result.dimensions).toEqual({
      reliability: 0.64,
      performance: 1,
      cost_efficiency: 0.8,
      maintainability: 1,
      correctness: 0.8333,
    });
    // 0.192 + 0.2 + 0.08 + 0.15 + 0.208325 = 0.830325
    expect(result.overall).toBe(0.8303);
  });
});

describe('per-artifact scores (docs table 3)', () => {
  it('weigh the feedback of each artifact alone, and count its items not yet applied', () => {
    const result = computeQualityScore({
      ...base,
      incidents: [{ incidentId: 'i1', severity: 'critical', open: true }],
      checks: [ck('correctness', 'failed')],
      feedback: [
        fb('reliability', 'negative', 'payments-api'),
        fb('correctness', 'positive', 'payments-api'),
        fb('performance', 'negative', 'search-api'),
        fb('performance', 'negative', 'search-api'),
        { ...fb('performance', 'negative', 'search-api'), status: 'applied' },
        fb('cost', 'negative'),
      ],
    });
    expect(result.artifactScores).toEqual([
      // 0.3·4/5 + 0.2 + 0.1 + 0.15 + 0.25·5/5 = 0.94
      { artifactId: 'payments-api', score: 0.94, openFeedbackCount: 2 },
      // the applied item weighs ½: 0.3 + 0.2·4/(4+2.5) + 0.1 + 0.15 + 0.25 = 0.923077
      { artifactId: 'search-api', score: 0.9231, openFeedbackCount: 2 },
    ]);
  });
});
