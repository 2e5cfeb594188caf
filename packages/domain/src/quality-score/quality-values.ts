import { ensure } from '../kernel/domain-error.js';
import { parseInstant, toIso } from '../kernel/time.js';

export const QUALITY_DIMENSIONS = [
  'reliability',
  'performance',
  'cost_efficiency',
  'maintainability',
  'correctness',
] as const;
export type QualityDimension = (typeof QUALITY_DIMENSIONS)[number];

/** ScoreVector: each dimension in [0, 1], 1 being best. */
export type ScoreVector = Readonly<Record<QualityDimension, number>>;

/**
 * Fixed weights of the overall score (sum 1). Reliability leads because an outage hurts every
 * user; correctness next because wrong answers are worse than slow ones; cost last because it
 * hurts the owner, not the user.
 */
export const DIMENSION_WEIGHTS: ScoreVector = {
  reliability: 0.3,
  correctness: 0.25,
  performance: 0.2,
  maintainability: 0.15,
  cost_efficiency: 0.1,
};

/** Scores are clamped into [0, 1] and rounded to 4 decimals, so equal inputs store equal rows. */
export function roundScore(value: number): number {
  const clamped = Number.isNaN(value) ? 0 : Math.min(1, Math.max(0, value));
  return Math.round(clamped * 10_000) / 10_000;
}

/**
 * overall = Σ weight × dimension, summed in the fixed QUALITY_DIMENSIONS order (float addition is
 * not associative), then rounded: a deterministic function of the dimensions alone.
 */
export function overallOf(dimensions: ScoreVector): number {
  let sum = 0;
  for (const dimension of QUALITY_DIMENSIONS) {
    sum += DIMENSION_WEIGHTS[dimension] * dimensions[dimension];
  }
  return roundScore(sum);
}

export function ensureScore(value: number, field: string): number {
  ensure(
    Number.isFinite(value) && value >= 0 && value <= 1,
    'quality.score_out_of_range',
    `${field} must be a score in [0, 1]`,
    { field, value },
  );
  return value;
}

export function scoreVector(input: ScoreVector): ScoreVector {
  const out: Partial<Record<QualityDimension, number>> = {};
  for (const dimension of QUALITY_DIMENSIONS) {
    out[dimension] = ensureScore(input[dimension], `dimensions.${dimension}`);
  }
  return out as ScoreVector;
}

/** Window: the half-open interval [start, end) the score covers, ISO-8601 UTC. */
export interface QualityWindow {
  readonly start: string;
  readonly end: string;
}

export function qualityWindow(input: QualityWindow): QualityWindow {
  const start = parseInstant(input.start, 'window.start');
  const end = parseInstant(input.end, 'window.end');
  ensure(start < end, 'quality.invalid_window', 'window.start must be before window.end', {
    start: input.start,
    end: input.end,
  });
  return { start: toIso(start), end: toIso(end) };
}

/** Entity: the score of one artifact and how much of its feedback is still open. */
export interface ArtifactScore {
  readonly artifactId: string;
  readonly score: number;
  /** Feedback items not yet applied (captured or routed). */
  readonly openFeedbackCount: number;
}

export function artifactScore(input: ArtifactScore): ArtifactScore {
  ensure(
    typeof input.artifactId === 'string' && input.artifactId.trim().length > 0,
    'quality.invalid_input',
    'artifactId is required',
  );
  ensure(
    Number.isSafeInteger(input.openFeedbackCount) && input.openFeedbackCount >= 0,
    'quality.invalid_input',
    'openFeedbackCount must be a whole number ≥ 0',
    { artifactId: input.artifactId },
  );
  return {
    artifactId: input.artifactId,
    score: ensureScore(input.score, `artifactScores.${input.artifactId}`),
    openFeedbackCount: input.openFeedbackCount,
  };
}
