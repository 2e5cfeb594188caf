export type {
  QualityDimension,
  ScoreVector,
  QualityWindow,
  ArtifactScore,
} from './quality-values.js';
export {
  QUALITY_DIMENSIONS,
  DIMENSION_WEIGHTS,
  roundScore,
  overallOf,
  scoreVector,
  qualityWindow,
  artifactScore,
} from './quality-values.js';
export type {
  QualityFeedbackInput,
  QualityIncidentInput,
  QualitySloInput,
  QualityCostAnomalyInput,
  QualityCheckInput,
  CheckDimension,
  CheckOutcome,
  QualityScoreInputs,
  QualityScoreResult,
} from './quality-formula.js';
export {
  QUALITY_PRIOR,
  INCIDENT_SEVERITY_WEIGHTS,
  OPEN_INCIDENT_MULTIPLIER,
  COST_DELTA_CAP_PCT,
  SLO_FLOOR,
  CHECK_DIMENSIONS,
  CHECK_OUTCOMES,
  computeQualityScore,
  APPLIED_FEEDBACK_WEIGHT,
  qualityScoreIdFor,
} from './quality-formula.js';
export type {
  QualityScoreComputedPayload,
  QualityScoreComputed,
  QualityScoreEvent,
} from './quality-score.events.js';
export { QUALITY_SCORE_AGGREGATE_TYPE } from './quality-score.events.js';
export type { ComputationCause, QualityScoreSnapshot } from './quality-score.aggregate.js';
export { QualityScore } from './quality-score.aggregate.js';
