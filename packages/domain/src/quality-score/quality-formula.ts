import { costCategory } from '../cost-signal/cost-values.js';
import {
  feedbackCategory,
  feedbackStatus,
  sentiment,
  type FeedbackCategory,
} from '../feedback-item/feedback-values.js';
import { ensure } from '../kernel/domain-error.js';
import { requiredText, tenantId as toTenantId, type TenantId } from '../kernel/ids.js';
import { severity as toSeverity, type Severity } from '../kernel/severity.js';
import { stableId } from '../kernel/stable-hash.js';
import { sloStatus } from '../slo-definition/slo-values.js';
import {
  overallOf,
  qualityWindow,
  roundScore,
  type ArtifactScore,
  type QualityDimension,
  type QualityWindow,
  type ScoreVector,
} from './quality-values.js';

/** One feedback item of the project in the window. */
export interface QualityFeedbackInput {
  readonly feedbackItemId: string;
  readonly artifactId: string | null;
  readonly category: string;
  readonly sentiment: string;
  readonly status: string;
  /** The cause it speaks of (see countEachCauseOnce); absent: its own. */
  readonly causeId?: string | null;
}

/** One incident of the project touching the window; `open` = not resolved at window end. */
export interface QualityIncidentInput {
  readonly incidentId: string;
  readonly severity: string;
  readonly open: boolean;
  /** The cause that opened it (an SLO breach's event id); absent: its own. */
  readonly causeId?: string | null;
}

/** One SLO of the project as evaluated at window end. */
export interface QualitySloInput {
  readonly sloId: string;
  readonly errorBudget: number;
  readonly budgetRemaining: number;
  readonly status: string;
  /** Which dimension the SLO guards: availability-style SLOs (default) or latency ones. */
  readonly dimension?: 'reliability' | 'performance';
  /** The breaches (their event ids) this input stands for: one cause with the SLO. */
  readonly causeIds?: readonly string[];
}

/** One CostAnomalyDetected of the project in the window. */
export interface QualityCostAnomalyInput {
  readonly costSignalId: string;
  readonly category: string;
  readonly deltaPct: number;
  /** The anomaly's cause (its event id): its feedback names the same one. */
  readonly causeId?: string | null;
}

/** The dimensions an external check (CI, linter) can speak to. */
export const CHECK_DIMENSIONS = ['maintainability', 'correctness'] as const;
export type CheckDimension = (typeof CHECK_DIMENSIONS)[number];
export const CHECK_OUTCOMES = ['passed', 'failed'] as const;
export type CheckOutcome = (typeof CHECK_OUTCOMES)[number];

/** One external check result of the project in the window (a CI run, a linter pass). */
export interface QualityCheckInput {
  readonly checkId: string;
  readonly dimension: string;
  readonly outcome: string;
}

export interface QualityScoreInputs {
  readonly tenantId: string;
  readonly projectId: string;
  readonly window: QualityWindow;
  readonly feedback?: readonly QualityFeedbackInput[];
  readonly incidents?: readonly QualityIncidentInput[];
  readonly slos?: readonly QualitySloInput[];
  readonly costAnomalies?: readonly QualityCostAnomalyInput[];
  readonly checks?: readonly QualityCheckInput[];
}

export interface QualityScoreResult {
  readonly qualityScoreId: string;
  readonly tenantId: TenantId;
  readonly projectId: string;
  readonly window: QualityWindow;
  /** Event time: the window end, so recomputation yields the same value. */
  readonly computedAt: string;
  readonly dimensions: ScoreVector;
  readonly overall: number;
  /** Sorted by artifactId. */
  readonly artifactScores: readonly ArtifactScore[];
}

/**
 * Pseudo-count of silent good outcomes behind every factor: one complaint moves a score to
 * 4/5 = 0.8, not to 0; it takes as many complaints as the prior to halve it.
 */
export const QUALITY_PRIOR = 4;
export const INCIDENT_SEVERITY_WEIGHTS: Readonly<Record<Severity, number>> = {
  info: 0.25,
  warning: 0.5,
  high: 1,
  critical: 2,
};
/** An incident still open at window end weighs double: it is still hurting. */
export const OPEN_INCIDENT_MULTIPLIER = 2;
/** A single anomaly counts at most as a 400 % rise, so one tiny baseline cannot zero the score. */
export const COST_DELTA_CAP_PCT = 400;
/** SLO adherence only scales a dimension between 0.5 (all budgets gone) and 1 (all intact). */
export const SLO_FLOOR = 0.5;

const CATEGORY_DIMENSION: Readonly<Record<FeedbackCategory, QualityDimension>> = {
  reliability: 'reliability',
  performance: 'performance',
  cost: 'cost_efficiency',
  maintainability: 'maintainability',
  correctness: 'correctness',
};

interface SentimentCounts {
  positive: number;
  negative: number;
}

type CountsByDimension = Record<QualityDimension, SentimentCounts>;

function emptyCounts(): CountsByDimension {
  return {
    reliability: { positive: 0, negative: 0 },
    performance: { positive: 0, negative: 0 },
    cost_efficiency: { positive: 0, negative: 0 },
    maintainability: { positive: 0, negative: 0 },
    correctness: { positive: 0, negative: 0 },
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A JSON text with sorted keys: two inputs are the same when this is. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compareText(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Inputs sorted by their identity. The same input twice (a redelivery) counts once, so
 * duplicating inputs never changes the score; one identity with two different contents is
 * refused, because which to count would depend on how the caller assembled the list.
 */
function sortedUnique<T>(items: readonly T[], key: (item: T) => string, kind: string): T[] {
  // Every key is computed (a key may validate, as a cost category does), then sorted by it.
  const sorted = items
    .map((item) => ({ item, key: key(item) }))
    .sort((a, b) => compareText(a.key, b.key));
  const unique: T[] = [];
  let lastKey: string | undefined;
  for (const { item, key: itemKey } of sorted) {
    const previous = unique[unique.length - 1];
    if (previous !== undefined && lastKey === itemKey) {
      ensure(
        canonical(previous) === canonical(item),
        'quality.duplicate_input',
        `${kind} ${itemKey} is listed twice`,
        { kind, key: itemKey },
      );
      continue;
    }
    unique.push(item);
    lastKey = itemKey;
  }
  return unique;
}

/**
 * An applied item is a resolved complaint: it weighs half, as a resolved incident weighs half
 * an open one (OPEN_INCIDENT_MULTIPLIER). It still happened; it no longer hurts as much.
 */
export const APPLIED_FEEDBACK_WEIGHT = 0.5;

/** What one negative item weighs in F: 1 while captured or routed, APPLIED_FEEDBACK_WEIGHT once applied. */
function negativeWeight(item: QualityFeedbackInput): number {
  return feedbackStatus(item.status) === 'applied' ? APPLIED_FEEDBACK_WEIGHT : 1;
}

/** One member of a cause: an input, the factor it would set alone (lower = stronger), its rank. */
interface CauseMember {
  readonly kind: 'slo' | 'incident' | 'cost' | 'feedback';
  readonly id: string;
  readonly cause: string;
  readonly alone: number;
}

/** The root-most kind wins a tie: the breach before the incident it opened, before its feedback. */
const KIND_RANK: Readonly<Record<CauseMember['kind'], number>> = {
  slo: 0,
  incident: 1,
  cost: 2,
  feedback: 3,
};

/**
 * **Each cause once.** Inputs that speak of one cause (an SLO breach, the incident it opened, the
 * feedback made of either; a cost anomaly and its feedback) share a cause id; of each group only
 * the member with the strongest weight counts: the lowest factor it would set on its own
 * dimension, the root-most kind on a tie. An SLO breach (0.5) is never weaker than an incident
 * (at most 4/(4+4) = 0.5, critical and open) or a complaint (0.8), so a breach with everything
 * derived from it scores exactly as the breach alone. Inputs without a cause are their own.
 */
function countEachCauseOnce(
  feedback: readonly QualityFeedbackInput[],
  incidents: readonly QualityIncidentInput[],
  slos: readonly QualitySloInput[],
  anomalies: readonly QualityCostAnomalyInput[],
): {
  feedback: QualityFeedbackInput[];
  incidents: QualityIncidentInput[];
  slos: QualitySloInput[];
  anomalies: QualityCostAnomalyInput[];
} {
  // An SLO input stands for all its breaches in the window: each breach id names the SLO's group.
  const groupOf = new Map<string, string>();
  for (const slo of slos) {
    for (const id of slo.causeIds ?? []) groupOf.set(id, `slo:${slo.sloId}`);
  }
  const causeOf = (own: string, cause: string | null | undefined) =>
    cause === null || cause === undefined || cause === '' ? own : (groupOf.get(cause) ?? cause);
  const members: CauseMember[] = [
    ...slos.map((s) => ({
      kind: 'slo' as const,
      id: s.sloId,
      cause: `slo:${s.sloId}`,
      alone: sloFactor([s], s.dimension ?? 'reliability'),
    })),
    ...incidents.map((i) => ({
      kind: 'incident' as const,
      id: i.incidentId,
      cause: causeOf(`incident:${i.incidentId}`, i.causeId),
      alone: incidentFactor([i]),
    })),
    ...anomalies.map((a) => ({
      kind: 'cost' as const,
      id: `${a.costSignalId}/${a.category}`,
      cause: causeOf(`cost:${a.costSignalId}/${a.category}`, a.causeId),
      alone: costFactor([a]),
    })),
    ...feedback.map((f) => ({
      kind: 'feedback' as const,
      id: f.feedbackItemId,
      cause: causeOf(`feedback:${f.feedbackItemId}`, f.causeId),
      alone:
        sentiment(f.sentiment) === 'negative'
          ? QUALITY_PRIOR / (QUALITY_PRIOR + negativeWeight(f))
          : 1,
    })),
  ];
  const strongest = new Map<string, CauseMember>();
  for (const m of members) {
    const best = strongest.get(m.cause);
    const stronger =
      best === undefined ||
      m.alone < best.alone ||
      (m.alone === best.alone &&
        (KIND_RANK[m.kind] < KIND_RANK[best.kind] ||
          (KIND_RANK[m.kind] === KIND_RANK[best.kind] && compareText(m.id, best.id) < 0)));
    if (stronger) strongest.set(m.cause, m);
  }
  const kept = new Set([...strongest.values()].map((m) => `${m.kind}|${m.id}`));
  const keeps = (kind: CauseMember['kind'], id: string) => kept.has(`${kind}|${id}`);
  return {
    feedback: feedback.filter((f) => keeps('feedback', f.feedbackItemId)),
    incidents: incidents.filter((i) => keeps('incident', i.incidentId)),
    slos: slos.filter((s) => keeps('slo', s.sloId)),
    anomalies: anomalies.filter((a) => keeps('cost', `${a.costSignalId}/${a.category}`)),
  };
}

/** (prior + positive) / (prior + positive + negative); neutral feedback does not move it. */
function feedbackFactor(counts: SentimentCounts): number {
  return (QUALITY_PRIOR + counts.positive) / (QUALITY_PRIOR + counts.positive + counts.negative);
}

function feedbackVector(counts: CountsByDimension): ScoreVector {
  return {
    reliability: feedbackFactor(counts.reliability),
    performance: feedbackFactor(counts.performance),
    cost_efficiency: feedbackFactor(counts.cost_efficiency),
    maintainability: feedbackFactor(counts.maintainability),
    correctness: feedbackFactor(counts.correctness),
  };
}

function incidentFactor(incidents: readonly QualityIncidentInput[]): number {
  let weight = 0;
  for (const incident of incidents) {
    ensure(
      typeof incident.open === 'boolean',
      'quality.invalid_input',
      'incident.open must be boolean',
      {
        incidentId: incident.incidentId,
      },
    );
    const base = INCIDENT_SEVERITY_WEIGHTS[toSeverity(incident.severity)];
    weight += incident.open ? base * OPEN_INCIDENT_MULTIPLIER : base;
  }
  return QUALITY_PRIOR / (QUALITY_PRIOR + weight);
}

/** Share of an SLO's error budget left; a zero budget (target 100) is all-or-nothing. */
function budgetShare(slo: QualitySloInput): number {
  const status = sloStatus(slo.status);
  ensure(
    Number.isFinite(slo.errorBudget) &&
      Number.isFinite(slo.budgetRemaining) &&
      slo.errorBudget >= 0 &&
      slo.errorBudget <= 100 &&
      slo.budgetRemaining >= 0 &&
      slo.budgetRemaining <= slo.errorBudget,
    'quality.invalid_input',
    'an SLO needs 0 ≤ budgetRemaining ≤ errorBudget ≤ 100',
    { sloId: slo.sloId },
  );
  if (slo.errorBudget === 0) return status === 'breached' ? 0 : 1;
  return slo.budgetRemaining / slo.errorBudget;
}

/** SLO_FLOOR + (1 − SLO_FLOOR) × mean budget share of the SLOs guarding the dimension. */
function sloFactor(slos: readonly QualitySloInput[], dimension: QualityDimension): number {
  const shares = slos
    .filter((slo) => (slo.dimension ?? 'reliability') === dimension)
    .map(budgetShare);
  if (shares.length === 0) return 1;
  const mean = shares.reduce((sum, share) => sum + share, 0) / shares.length;
  return SLO_FLOOR + (1 - SLO_FLOOR) * mean;
}

/** prior / (prior + Σ min(deltaPct, 400) / 100): a 100 % rise is one point of penalty. */
function costFactor(anomalies: readonly QualityCostAnomalyInput[]): number {
  let points = 0;
  for (const anomaly of anomalies) {
    ensure(Number.isFinite(anomaly.deltaPct), 'quality.invalid_input', 'deltaPct must be finite', {
      costSignalId: anomaly.costSignalId,
    });
    points += Math.min(Math.max(anomaly.deltaPct, 0), COST_DELTA_CAP_PCT) / 100;
  }
  return QUALITY_PRIOR / (QUALITY_PRIOR + points);
}

/**
 * (prior + passed) / (prior + passed + failed) over the checks of one dimension: the same shape
 * as the feedback factor, so a failed check weighs as much as a complaint, and passing checks
 * earn back trust one by one rather than wiping a failure out.
 */
function checkFactor(checks: readonly QualityCheckInput[], dimension: CheckDimension): number {
  let passed = 0;
  let failed = 0;
  for (const check of checks) {
    ensure(
      (CHECK_DIMENSIONS as readonly string[]).includes(check.dimension) &&
        (CHECK_OUTCOMES as readonly string[]).includes(check.outcome),
      'quality.invalid_input',
      `check ${check.checkId} needs a dimension in ${CHECK_DIMENSIONS.join(', ')} and an outcome in ${CHECK_OUTCOMES.join(', ')}`,
      { checkId: check.checkId },
    );
    if (check.dimension !== dimension) continue;
    if (check.outcome === 'passed') passed += 1;
    else failed += 1;
  }
  return (QUALITY_PRIOR + passed) / (QUALITY_PRIOR + passed + failed);
}

export function qualityScoreIdFor(
  tenant: string,
  projectId: string,
  window: QualityWindow,
): string {
  const w = qualityWindow(window);
  return stableId('qs', [tenant, projectId, w.start, w.end]);
}

/**
 * The quality score of a project over a window, a pure function of its inputs (documented with
 * a worked example in the domain notes):
 *
 *   reliability     = F(reliability) × I × S(reliability)
 *   performance     = F(performance) × S(performance)
 *   cost_efficiency = F(cost) × C
 *   maintainability = F(maintainability) × Q(maintainability)
 *   correctness     = F(correctness) × Q(correctness)
 *   overall         = Σ DIMENSION_WEIGHTS × dimension
 *
 * F = feedbackFactor, I = incidentFactor, S = sloFactor, C = costFactor, Q = checkFactor. Every factor is in
 * (0, 1], so every score is in [0, 1]; each is rounded to 4 decimals. Inputs are sorted by
 * identity first, so their order never changes the result. An artifact's score is the weighted
 * mean of F over that artifact's own feedback.
 */
export function computeQualityScore(inputs: QualityScoreInputs): QualityScoreResult {
  const tenant = toTenantId(inputs.tenantId);
  const projectId = requiredText(inputs.projectId, 'projectId', 'quality.project_required');
  const window = qualityWindow(inputs.window);
  const allFeedback = sortedUnique(inputs.feedback ?? [], (f) => f.feedbackItemId, 'feedback item');
  const counted = countEachCauseOnce(
    allFeedback,
    sortedUnique(inputs.incidents ?? [], (i) => i.incidentId, 'incident'),
    sortedUnique(inputs.slos ?? [], (s) => s.sloId, 'SLO'),
    sortedUnique(
      inputs.costAnomalies ?? [],
      (a) => `${a.costSignalId}/${costCategory(a.category)}`,
      'cost anomaly',
    ),
  );
  const { incidents, slos, anomalies } = counted;
  // The project counts each cause once; an artifact sees all of its own feedback (its score is F
  // alone, where no incident or SLO could have counted the cause instead).
  const countedFeedback = new Set(counted.feedback.map((f) => f.feedbackItemId));
  const checks = sortedUnique(inputs.checks ?? [], (c) => c.checkId, 'check');

  const project = emptyCounts();
  const artifacts = new Map<string, { counts: CountsByDimension; open: number }>();
  for (const item of allFeedback) {
    const dimension = CATEGORY_DIMENSION[feedbackCategory(item.category)];
    const mood = sentiment(item.sentiment);
    const open = feedbackStatus(item.status) !== 'applied';
    const targets = countedFeedback.has(item.feedbackItemId) ? [project] : [];
    if (item.artifactId !== null && item.artifactId.trim() !== '') {
      const entry = artifacts.get(item.artifactId) ?? { counts: emptyCounts(), open: 0 };
      artifacts.set(item.artifactId, entry);
      if (open) entry.open += 1;
      targets.push(entry.counts);
    }
    for (const counts of targets) {
      if (mood === 'positive') counts[dimension].positive += 1;
      if (mood === 'negative') counts[dimension].negative += negativeWeight(item);
    }
  }

  const f = feedbackVector(project);
  const dimensions: ScoreVector = {
    reliability: roundScore(
      f.reliability * incidentFactor(incidents) * sloFactor(slos, 'reliability'),
    ),
    performance: roundScore(f.performance * sloFactor(slos, 'performance')),
    cost_efficiency: roundScore(f.cost_efficiency * costFactor(anomalies)),
    maintainability: roundScore(f.maintainability * checkFactor(checks, 'maintainability')),
    correctness: roundScore(f.correctness * checkFactor(checks, 'correctness')),
  };
  const artifactScores = [...artifacts.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([artifactId, entry]) => ({
      artifactId,
      score: overallOf(feedbackVector(entry.counts)),
      openFeedbackCount: entry.open,
    }));

  return {
    qualityScoreId: qualityScoreIdFor(tenant, projectId, window),
    tenantId: tenant,
    projectId,
    window,
    computedAt: window.end,
    dimensions,
    overall: overallOf(dimensions),
    artifactScores,
  };
}
