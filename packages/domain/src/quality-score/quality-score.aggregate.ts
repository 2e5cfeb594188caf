import { AggregateRoot } from '../kernel/aggregate-root.js';
import { ensure } from '../kernel/domain-error.js';
import { isTraceId, requiredText, tenantId as toTenantId } from '../kernel/ids.js';
import { parseInstant, toIso } from '../kernel/time.js';
import {
  computeQualityScore,
  qualityScoreIdFor,
  type QualityScoreInputs,
  type QualityScoreResult,
} from './quality-formula.js';
import { QUALITY_SCORE_AGGREGATE_TYPE, type QualityScoreEvent } from './quality-score.events.js';
import {
  artifactScore,
  ensureScore,
  overallOf,
  qualityWindow,
  scoreVector,
  type ArtifactScore,
  type QualityWindow,
  type ScoreVector,
} from './quality-values.js';

/** What caused a computation: only its trace, carried onto QualityScoreComputed. */
export interface ComputationCause {
  readonly traceId?: string | null;
}

export interface QualityScoreSnapshot {
  readonly qualityScoreId: string;
  readonly tenantId: string;
  readonly projectId: string;
  readonly window: QualityWindow;
  readonly computedAt: string;
  readonly overall: number;
  readonly dimensions: ScoreVector;
  readonly artifactScores: readonly ArtifactScore[];
}

function snapshotOf(state: QualityScoreResult): QualityScoreSnapshot {
  return {
    qualityScoreId: state.qualityScoreId,
    tenantId: state.tenantId,
    projectId: state.projectId,
    window: { ...state.window },
    computedAt: state.computedAt,
    overall: state.overall,
    dimensions: { ...state.dimensions },
    artifactScores: state.artifactScores.map((a) => ({ ...a })),
  };
}

/** A stored score must still satisfy what the formula guarantees for a fresh one. */
function stateFromSnapshot(s: QualityScoreSnapshot): QualityScoreResult {
  const tenant = toTenantId(s.tenantId);
  const projectId = requiredText(s.projectId, 'projectId', 'quality.project_required');
  const window = qualityWindow(s.window);
  const dimensions = scoreVector(s.dimensions);
  const overall = ensureScore(s.overall, 'overall');
  ensure(
    overall === overallOf(dimensions),
    'quality.overall_mismatch',
    'overall must be the weighted mean of the dimensions',
    { overall, expected: overallOf(dimensions) },
  );
  const expectedId = qualityScoreIdFor(tenant, projectId, window);
  ensure(
    s.qualityScoreId === expectedId,
    'quality.id_mismatch',
    'qualityScoreId must be derived from (tenant, project, window)',
    { qualityScoreId: s.qualityScoreId, expected: expectedId },
  );
  return {
    qualityScoreId: expectedId,
    tenantId: tenant,
    projectId,
    window,
    computedAt: toIso(parseInstant(s.computedAt, 'computedAt')),
    dimensions,
    overall,
    artifactScores: s.artifactScores.map(artifactScore),
  };
}

/**
 * The quality of a project over a window. Its identity is derived from (tenant, project, window),
 * so the service upserts it, and recomputing with the same inputs is a no-op.
 */
export class QualityScore extends AggregateRoot<QualityScoreEvent> {
  private state: QualityScoreResult;

  private constructor(state: QualityScoreResult) {
    super();
    this.state = state;
  }

  /**
   * `cause.traceId` is the trace of the signal that triggered the computation (an invalid or
   * absent one is dropped): it is the event's trace, never part of the score.
   */
  static create(inputs: QualityScoreInputs, cause: ComputationCause = {}): QualityScore {
    const score = new QualityScore(computeQualityScore(inputs));
    score.recordComputed(cause);
    return score;
  }

  static rehydrate(snapshot: QualityScoreSnapshot): QualityScore {
    return new QualityScore(stateFromSnapshot(snapshot));
  }

  get id(): string {
    return this.state.qualityScoreId;
  }

  get overall(): number {
    return this.state.overall;
  }

  /**
   * Recomputes the same (tenant, project, window). An unchanged result records nothing and keeps
   * the state (idempotent); a changed one replaces it and records QualityScoreComputed.
   * Returns whether anything changed.
   */
  recompute(inputs: QualityScoreInputs, cause: ComputationCause = {}): boolean {
    const next = computeQualityScore(inputs);
    ensure(
      next.qualityScoreId === this.state.qualityScoreId,
      'quality.scope_mismatch',
      'recompute must target the same tenant, project and window',
      { qualityScoreId: this.state.qualityScoreId },
    );
    if (JSON.stringify(snapshotOf(next)) === JSON.stringify(snapshotOf(this.state))) return false;
    this.state = next;
    this.recordComputed(cause);
    return true;
  }

  toSnapshot(): QualityScoreSnapshot {
    return snapshotOf(this.state);
  }

  private recordComputed(cause: ComputationCause): void {
    const s = this.state;
    this.record({
      eventType: 'QualityScoreComputed',
      aggregateType: QUALITY_SCORE_AGGREGATE_TYPE,
      aggregateId: s.qualityScoreId,
      tenantId: s.tenantId,
      traceId: typeof cause.traceId === 'string' && isTraceId(cause.traceId) ? cause.traceId : null,
      occurredAt: s.computedAt,
      payload: {
        qualityScoreId: s.qualityScoreId,
        projectId: s.projectId,
        windowStart: s.window.start,
        windowEnd: s.window.end,
        overall: s.overall,
        dimensions: { ...s.dimensions },
        artifactScores: s.artifactScores.map((a) => ({ ...a })),
        computedAt: s.computedAt,
      },
    });
  }
}
