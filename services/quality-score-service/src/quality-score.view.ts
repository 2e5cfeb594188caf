import type { ArtifactScore, QualityScore, ScoreVector } from '@obs/domain';

/** The resource as the API shows it: a score, or one revision of it in the history. */
export interface QualityScoreView {
  readonly id: string;
  readonly tenantId: string;
  readonly projectId: string;
  readonly window: { readonly start: string; readonly end: string };
  readonly computedAt: string;
  readonly overall: number;
  readonly dimensions: ScoreVector;
  readonly artifactScores: ArtifactScore[];
  readonly version: number;
}

export function viewOf(score: QualityScore, version: number): QualityScoreView {
  const s = score.toSnapshot();
  return {
    id: s.qualityScoreId,
    tenantId: s.tenantId,
    projectId: s.projectId,
    window: { ...s.window },
    computedAt: s.computedAt,
    overall: s.overall,
    dimensions: { ...s.dimensions },
    artifactScores: s.artifactScores.map((a) => ({ ...a })),
    version,
  };
}

/** A row of quality_scores or quality_score_revisions, as raw SQL returns it. */
export interface ScoreSqlRow {
  readonly id: string;
  readonly tenant_id: string;
  readonly project_id: string;
  readonly window_start: Date;
  readonly window_end: Date;
  readonly computed_at: Date;
  readonly overall: number;
  readonly dimensions: ScoreVector;
  readonly artifact_scores: ArtifactScore[];
  readonly version: number;
}

export function viewOfSqlRow(row: ScoreSqlRow): QualityScoreView {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    projectId: row.project_id,
    window: { start: row.window_start.toISOString(), end: row.window_end.toISOString() },
    computedAt: row.computed_at.toISOString(),
    overall: row.overall,
    dimensions: row.dimensions,
    artifactScores: row.artifact_scores,
    version: row.version,
  };
}
