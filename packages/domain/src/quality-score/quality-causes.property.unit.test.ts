import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeQualityScore,
  type QualityCostAnomalyInput,
  type QualityFeedbackInput,
  type QualityIncidentInput,
  type QualityScoreInputs,
  type QualitySloInput,
} from './quality-formula.js';

/**
 * Issue 29: the score counts each cause once. Shuffling and duplicating the inputs never changes
 * it, and adding the events derived from one SLO breach (the incident it opened, resolved or not,
 * the feedback made of the breach and of the incident's resolution) changes it exactly as the
 * breach alone does.
 */
const base = {
  tenantId: 'acme',
  projectId: 'checkout',
  window: { start: '2025-01-01T00:00:00Z', end: '2025-01-02T00:00:00Z' },
};

const severity = fc.constantFrom('info', 'warning', 'high', 'critical');
const category = fc.constantFrom(
  'reliability',
  'performance',
  'cost',
  'maintainability',
  'correctness',
);
const cause = fc.option(fc.constantFrom('c1', 'c2', 'c3'), { nil: null });

const feedbackArb = fc.uniqueArray(
  fc.record({
    feedbackItemId: fc.uuid(),
    artifactId: fc.option(fc.constantFrom('api', 'web'), { nil: null }),
    category,
    sentiment: fc.constantFrom('positive', 'neutral', 'negative'),
    status: fc.constantFrom('captured', 'routed', 'applied'),
    causeId: cause,
  }),
  { selector: (f) => f.feedbackItemId, maxLength: 8 },
);
const incidentArb = fc.uniqueArray(
  fc.record({ incidentId: fc.uuid(), severity, open: fc.boolean(), causeId: cause }),
  { selector: (i) => i.incidentId, maxLength: 4 },
);
const sloArb = fc.uniqueArray(
  fc.record({
    sloId: fc.uuid(),
    errorBudget: fc.constantFrom(0.1, 1, 5),
    budgetRemaining: fc.constant(0),
    status: fc.constant('breached'),
    dimension: fc.constantFrom('reliability' as const, 'performance' as const),
    causeIds: fc.array(fc.constantFrom('c1', 'c2', 'c3'), { maxLength: 2 }),
  }),
  { selector: (s) => s.sloId, maxLength: 3 },
);
const anomalyArb = fc.uniqueArray(
  fc.record({
    costSignalId: fc.uuid(),
    category: fc.constantFrom('compute', 'storage'),
    deltaPct: fc.integer({ min: 0, max: 600 }),
    causeId: cause,
  }),
  { selector: (a) => a.costSignalId, maxLength: 3 },
);

interface Lists {
  feedback: QualityFeedbackInput[];
  incidents: QualityIncidentInput[];
  slos: QualitySloInput[];
  costAnomalies: QualityCostAnomalyInput[];
}
const listsArb: fc.Arbitrary<Lists> = fc.record({
  feedback: feedbackArb,
  incidents: incidentArb,
  slos: sloArb,
  costAnomalies: anomalyArb,
});

const score = (lists: Lists) => {
  const inputs: QualityScoreInputs = { ...base, ...lists };
  const { overall, dimensions, artifactScores } = computeQualityScore(inputs);
  return { overall, dimensions, artifactScores };
};

/** The list shuffled by `seed`, with the items at `twice` repeated. */
function shuffledWithDuplicates<T>(items: readonly T[], seed: number, twice: number[]): T[] {
  const copy = [
    ...items,
    ...twice.flatMap((i) => (items.length ? [items[i % items.length]!] : [])),
  ];
  let state = seed >>> 0 || 1;
  for (let i = copy.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) >>> 0;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

describe('each cause once (property)', () => {
  it('shuffling and duplicating the inputs never changes the score', () => {
    fc.assert(
      fc.property(
        listsArb,
        fc.integer(),
        fc.array(fc.nat(), { maxLength: 4 }),
        (lists, seed, twice) => {
          const mixed: Lists = {
            feedback: shuffledWithDuplicates(lists.feedback, seed, twice),
            incidents: shuffledWithDuplicates(lists.incidents, seed + 1, twice),
            slos: shuffledWithDuplicates(lists.slos, seed + 2, twice),
            costAnomalies: shuffledWithDuplicates(lists.costAnomalies, seed + 3, twice),
          };
          expect(score(mixed)).toEqual(score(lists));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a breach with the events derived from it scores exactly as the breach alone', () => {
    fc.assert(
      fc.property(
        listsArb,
        fc.constantFrom('reliability' as const, 'performance' as const),
        severity,
        fc.boolean(),
        fc.constantFrom('captured', 'routed', 'applied'),
        (lists, dimension, incidentSeverity, open, status) => {
          const breachEvent = 'breach-event-1';
          const breach: QualitySloInput = {
            sloId: 'slo-breached',
            errorBudget: 0.1,
            budgetRemaining: 0,
            status: 'breached',
            dimension,
            causeIds: [breachEvent],
          };
          const incident: QualityIncidentInput = {
            incidentId: 'inc-of-breach',
            severity: incidentSeverity,
            open,
            causeId: breachEvent,
          };
          const derived = (id: string, cat: string): QualityFeedbackInput => ({
            feedbackItemId: id,
            artifactId: null,
            category: cat,
            sentiment: 'negative',
            status,
            causeId: breachEvent,
          });
          const alone: Lists = { ...lists, slos: [...lists.slos, breach] };
          const withDerived: Lists = {
            ...alone,
            incidents: [...lists.incidents, incident],
            feedback: [
              ...lists.feedback,
              derived('fb-of-breach', dimension),
              derived('fb-of-incident', 'reliability'),
            ],
          };
          expect(score(withDerived)).toEqual(score(alone));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts a cost anomaly once: as the anomaly or as its feedback, the stronger', () => {
    const anomaly = { costSignalId: 'cs-1', category: 'compute', deltaPct: 250, causeId: 'ev-1' };
    const itsFeedback: QualityFeedbackInput = {
      feedbackItemId: 'fb-cost',
      artifactId: null,
      category: 'cost',
      sentiment: 'negative',
      status: 'captured',
      causeId: 'ev-1',
    };
    const both = score({
      feedback: [itsFeedback],
      incidents: [],
      slos: [],
      costAnomalies: [anomaly],
    });
    // 4/(4+2.5) from the anomaly, stronger than the complaint's 4/5.
    expect(both.dimensions.cost_efficiency).toBe(0.6154);
    const small = { ...anomaly, deltaPct: 50 };
    const smallBoth = score({
      feedback: [itsFeedback],
      incidents: [],
      slos: [],
      costAnomalies: [small],
    });
    // 4/(4+0.5) = 0.8889 is weaker than the complaint: the feedback counts instead.
    expect(smallBoth.dimensions.cost_efficiency).toBe(0.8);
  });
});
