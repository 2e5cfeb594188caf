import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { computeQualityScore, type QualityScoreInputs } from './quality-formula.js';
import { DIMENSION_WEIGHTS, overallOf, QUALITY_DIMENSIONS, roundScore } from './quality-values.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

const base: QualityScoreInputs = {
  tenantId: 'acme',
  projectId: 'proj-1',
  window: { start: '2025-01-01T00:00:00Z', end: '2025-01-08T00:00:00Z' },
};

const example: QualityScoreInputs = {
  ...base,
  feedback: [
    {
      feedbackItemId: 'f1',
      artifactId: 'art-a',
      category: 'reliability',
      sentiment: 'negative',
      status: 'captured',
    },
    {
      feedbackItemId: 'f2',
      artifactId: 'art-a',
      category: 'reliability',
      sentiment: 'negative',
      status: 'applied',
    },
    {
      feedbackItemId: 'f3',
      artifactId: 'art-b',
      category: 'reliability',
      sentiment: 'positive',
      status: 'routed',
    },
    {
      feedbackItemId: 'f4',
      artifactId: 'art-b',
      category: 'correctness',
      sentiment: 'negative',
      status: 'captured',
    },
    {
      feedbackItemId: 'f5',
      artifactId: null,
      category: 'performance',
      sentiment: 'neutral',
      status: 'captured',
    },
  ],
  incidents: [{ incidentId: 'i1', severity: 'high', open: false }],
  slos: [{ sloId: 's1', errorBudget: 0.1, budgetRemaining: 0.05, status: 'healthy' }],
  costAnomalies: [{ costSignalId: 'c1', category: 'compute', deltaPct: 100 }],
};

describe('computeQualityScore', () => {
  it('worked example', () => {
    const result = computeQualityScore(example);
    // f2 is applied: a resolved complaint weighs APPLIED_FEEDBACK_WEIGHT (½), so reliability is
    // (4+1)/(4+1+1.5) · 4/5 · 0.75 (it was (4+1)/(4+1+2) · … = 0.4286 before issue 29).
    expect(result.dimensions).toEqual({
      reliability: 0.4615,
      performance: 1,
      cost_efficiency: 0.8,
      maintainability: 1,
      correctness: 0.8,
    });
    expect(result.overall).toBe(0.7685);
    expect(result.artifactScores).toEqual([
      // 0.3 · 4/(4+1+0.5) + 0.7
      { artifactId: 'art-a', score: 0.9182, openFeedbackCount: 1 },
      { artifactId: 'art-b', score: 0.95, openFeedbackCount: 2 },
    ]);
    expect(result.computedAt).toBe('2025-01-08T00:00:00.000Z');
    expect(result.qualityScoreId).toMatch(/^qs_[0-9a-f]{32}$/);
  });

  it('scores a project without any signal as perfect', () => {
    const result = computeQualityScore(base);
    expect(Object.values(result.dimensions)).toEqual([1, 1, 1, 1, 1]);
    expect(result.overall).toBe(1);
    expect(result.artifactScores).toEqual([]);
  });

  it('weighs open and severe incidents more, latency SLOs on performance, breached zero-budget SLOs as empty', () => {
    const result = computeQualityScore({
      ...base,
      incidents: [
        { incidentId: 'a', severity: 'critical', open: true },
        { incidentId: 'b', severity: 'info', open: false },
      ],
      slos: [
        {
          sloId: 'lat',
          errorBudget: 1,
          budgetRemaining: 0,
          status: 'breached',
          dimension: 'performance',
        },
        { sloId: 'strict', errorBudget: 0, budgetRemaining: 0, status: 'breached' },
        { sloId: 'strict-ok', errorBudget: 0, budgetRemaining: 0, status: 'healthy' },
      ],
      costAnomalies: [{ costSignalId: 'c', category: 'network', deltaPct: 10_000 }],
    });
    // reliability: 4/(4+2·2+0.25) × (0.5 + 0.5·mean(0, 1))
    expect(result.dimensions.reliability).toBe(roundScore((4 / 8.25) * 0.75));
    expect(result.dimensions.performance).toBe(0.5);
    expect(result.dimensions.cost_efficiency).toBe(0.5); // capped at 400 % → 4/(4+4)
  });

  it('derives the id from (tenant, project, window) only', () => {
    const a = computeQualityScore(example);
    expect(computeQualityScore(base).qualityScoreId).toBe(a.qualityScoreId);
    expect(computeQualityScore({ ...base, projectId: 'proj-2' }).qualityScoreId).not.toBe(
      a.qualityScoreId,
    );
    const sameInstant = { start: '2025-01-01T00:00:00.000Z', end: '2025-01-08T00:00:00+00:00' };
    expect(computeQualityScore({ ...base, window: sameInstant }).qualityScoreId).toBe(
      a.qualityScoreId,
    );
  });

  it.each([
    [
      { window: { start: '2025-01-02T00:00:00Z', end: '2025-01-01T00:00:00Z' } },
      'quality.invalid_window',
    ],
    [{ projectId: ' ' }, 'quality.project_required'],
    [
      {
        incidents: [
          { incidentId: 'x', severity: 'high', open: false },
          { incidentId: 'x', severity: 'info', open: true },
        ],
      },
      'quality.duplicate_input',
    ],
    [{ incidents: [{ incidentId: 'x', severity: 'sev1', open: false }] }, 'severity.invalid'],
    [
      { incidents: [{ incidentId: 'x', severity: 'high', open: 'yes' as unknown as boolean }] },
      'quality.invalid_input',
    ],
    [
      { slos: [{ sloId: 's', errorBudget: 0.1, budgetRemaining: 0.2, status: 'healthy' }] },
      'quality.invalid_input',
    ],
    [
      { slos: [{ sloId: 's', errorBudget: 0.1, budgetRemaining: 0, status: 'gone' }] },
      'slo.invalid_status',
    ],
    [
      { costAnomalies: [{ costSignalId: 'c', category: 'compute', deltaPct: Number.NaN }] },
      'quality.invalid_input',
    ],
    [
      { costAnomalies: [{ costSignalId: 'c', category: 'gpu', deltaPct: 1 }] },
      'cost.invalid_category',
    ],
    [
      {
        feedback: [
          {
            feedbackItemId: 'f',
            artifactId: null,
            category: 'ux',
            sentiment: 'positive',
            status: 'captured',
          },
        ],
      },
      'feedback.invalid_category',
    ],
  ] as const)('refuses %j with %s', (overrides, code) => {
    expect(codeOf(() => computeQualityScore({ ...base, ...overrides }))).toBe(code);
  });

  it('overall is the fixed weighted mean of the dimensions', () => {
    expect(Object.values(DIMENSION_WEIGHTS).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(
      overallOf({
        reliability: 1,
        performance: 0,
        cost_efficiency: 0,
        maintainability: 0,
        correctness: 0,
      }),
    ).toBe(0.3);
    expect(roundScore(Number.NaN)).toBe(0);
    expect(roundScore(1.5)).toBe(1);
    expect(roundScore(-0.2)).toBe(0);
  });

  const feedbackArb = fc.record({
    feedbackItemId: fc.uuid(),
    artifactId: fc.option(fc.constantFrom('art-a', 'art-b', 'art-c'), { nil: null }),
    category: fc.constantFrom(
      'reliability',
      'performance',
      'cost',
      'maintainability',
      'correctness',
    ),
    sentiment: fc.constantFrom('positive', 'neutral', 'negative'),
    status: fc.constantFrom('captured', 'routed', 'applied'),
  });
  const incidentArb = fc.record({
    incidentId: fc.uuid(),
    severity: fc.constantFrom('info', 'warning', 'high', 'critical'),
    open: fc.boolean(),
  });
  const sloArb = fc
    .tuple(
      fc.uuid(),
      fc.double({ min: 0, max: 100, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constantFrom('healthy', 'at-risk', 'breached'),
      fc.constantFrom('reliability', 'performance'),
    )
    .map(([sloId, errorBudget, share, status, dimension]) => ({
      sloId,
      errorBudget,
      budgetRemaining: errorBudget * share,
      status,
      dimension,
    }));
  const anomalyArb = fc.record({
    costSignalId: fc.uuid(),
    category: fc.constantFrom('model_inference', 'compute', 'storage', 'network'),
    deltaPct: fc.double({ min: -1000, max: 1e6, noNaN: true }),
  });
  const inputsArb = fc.record({
    feedback: fc.uniqueArray(feedbackArb, { selector: (f) => f.feedbackItemId, maxLength: 40 }),
    incidents: fc.uniqueArray(incidentArb, { selector: (i) => i.incidentId, maxLength: 10 }),
    slos: fc.uniqueArray(sloArb, { selector: (s) => s.sloId, maxLength: 6 }),
    costAnomalies: fc.uniqueArray(anomalyArb, { selector: (a) => a.costSignalId, maxLength: 6 }),
  });

  function reversed(inputs: QualityScoreInputs): QualityScoreInputs {
    return {
      ...inputs,
      feedback: [...(inputs.feedback ?? [])].reverse(),
      incidents: [...(inputs.incidents ?? [])].reverse(),
      slos: [...(inputs.slos ?? [])].reverse(),
      costAnomalies: [...(inputs.costAnomalies ?? [])].reverse(),
    };
  }

  it('property: every score is in [0, 1], rounded to 4 decimals, deterministic and order independent', () => {
    fc.assert(
      fc.property(inputsArb, fc.integer({ min: 0, max: 1_000 }), (signals, rotate) => {
        const inputs: QualityScoreInputs = { ...base, ...signals };
        const result = computeQualityScore(inputs);
        const scores = [
          result.overall,
          ...QUALITY_DIMENSIONS.map((d) => result.dimensions[d]),
          ...result.artifactScores.map((a) => a.score),
        ];
        for (const score of scores) {
          expect(score).toBeGreaterThanOrEqual(0);
          expect(score).toBeLessThanOrEqual(1);
          expect(Math.round(score * 10_000) / 10_000).toBe(score);
        }
        expect(result.overall).toBe(overallOf(result.dimensions));
        expect(computeQualityScore(inputs)).toEqual(result);
        expect(computeQualityScore(reversed(inputs))).toEqual(result);
        const feedback = [...signals.feedback];
        const k = feedback.length === 0 ? 0 : rotate % feedback.length;
        const rotated = { ...inputs, feedback: [...feedback.slice(k), ...feedback.slice(0, k)] };
        expect(computeQualityScore(rotated)).toEqual(result);
      }),
    );
  });
});

describe('external check results (CI, linters)', () => {
  const checks = [
    { checkId: 'lint-1', dimension: 'maintainability', outcome: 'failed' },
    { checkId: 'lint-2', dimension: 'maintainability', outcome: 'passed' },
    { checkId: 'lint-3', dimension: 'maintainability', outcome: 'passed' },
    { checkId: 'ci-1', dimension: 'correctness', outcome: 'failed' },
    { checkId: 'ci-2', dimension: 'correctness', outcome: 'failed' },
  ];

  it('scale maintainability and correctness by (K + passed) / (K + passed + failed)', () => {
    const result = computeQualityScore({
      ...base,
      checks,
      feedback: [
        {
          feedbackItemId: 'f1',
          artifactId: null,
          category: 'correctness',
          sentiment: 'negative',
          status: 'captured',
        },
      ],
    });
    // Hand-computed: maintainability 6/7 = 0.857142… ; correctness 4/5 × 4/6 = 0.53333…
    expect(result.dimensions).toEqual({
      reliability: 1,
      performance: 1,
      cost_efficiency: 1,
      maintainability: 0.8571,
      correctness: 0.5333,
    });
    // 0.3 + 0.2 + 0.1 + 0.15 × 0.8571 + 0.25 × 0.5333 = 0.86189
    expect(result.overall).toBe(0.8619);
  });

  it('do not depend on their order, and only passed checks leave a dimension at 1', () => {
    const forward = computeQualityScore({ ...base, checks });
    const reversed = computeQualityScore({ ...base, checks: [...checks].reverse() });
    expect(reversed).toEqual(forward);
    const green = computeQualityScore({
      ...base,
      checks: [{ checkId: 'ci', dimension: 'correctness', outcome: 'passed' }],
    });
    expect(green.dimensions.correctness).toBe(1);
  });

  it('refuse a repeated check id and an unknown dimension or outcome', () => {
    const twice = [checks[0]!, { ...checks[0]!, outcome: 'passed' }];
    expect(codeOf(() => computeQualityScore({ ...base, checks: twice }))).toBe(
      'quality.duplicate_input',
    );
    expect(
      codeOf(() =>
        computeQualityScore({
          ...base,
          checks: [{ checkId: 'x', dimension: 'reliability', outcome: 'failed' }],
        }),
      ),
    ).toBe('quality.invalid_input');
    expect(
      codeOf(() =>
        computeQualityScore({
          ...base,
          checks: [{ checkId: 'x', dimension: 'correctness', outcome: 'flaky' }],
        }),
      ),
    ).toBe('quality.invalid_input');
  });
});
