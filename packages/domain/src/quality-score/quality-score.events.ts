import type { DomainEvent } from '../kernel/aggregate-root.js';
import type { ArtifactScore, ScoreVector } from './quality-values.js';

export const QUALITY_SCORE_AGGREGATE_TYPE = 'QualityScore';

/** Payload fixed by the event contract (packages/event-envelope/src/payloads). */
export interface QualityScoreComputedPayload {
  readonly qualityScoreId: string;
  readonly projectId: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly overall: number;
  readonly dimensions: ScoreVector;
  readonly artifactScores: readonly ArtifactScore[];
  readonly computedAt: string;
}

export type QualityScoreComputed = DomainEvent<'QualityScoreComputed', QualityScoreComputedPayload>;

export type QualityScoreEvent = QualityScoreComputed;
