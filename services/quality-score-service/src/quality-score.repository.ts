import { randomUUID } from 'node:crypto';
import {
  QualityScore,
  type ArtifactScore,
  type QualityScoreSnapshot,
  type ScoreVector,
} from '@obs/domain';
import { AggregateStore, type UnitOfWork } from '@obs/service-kit';
import { EntitySchema, type DataSource } from 'typeorm';

export interface QualityScoreRow {
  id: string;
  tenantId: string;
  projectId: string;
  windowStart: Date;
  windowEnd: Date;
  computedAt: Date;
  overall: number;
  dimensions: ScoreVector;
  artifactScores: ArtifactScore[];
  version: number;
}

export const QualityScoreEntity = new EntitySchema<QualityScoreRow>({
  name: 'QualityScore',
  tableName: 'quality_scores',
  columns: {
    id: { type: 'text', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    projectId: { type: 'text', name: 'project_id' },
    windowStart: { type: 'timestamptz', name: 'window_start' },
    windowEnd: { type: 'timestamptz', name: 'window_end' },
    computedAt: { type: 'timestamptz', name: 'computed_at' },
    overall: { type: 'double precision' },
    dimensions: { type: 'jsonb' },
    artifactScores: { type: 'jsonb', name: 'artifact_scores' },
    version: { type: 'integer' },
  },
});

export function toQualityScoreRow(s: QualityScoreSnapshot, version: number): QualityScoreRow {
  return {
    id: s.qualityScoreId,
    tenantId: s.tenantId,
    projectId: s.projectId,
    windowStart: new Date(s.window.start),
    windowEnd: new Date(s.window.end),
    computedAt: new Date(s.computedAt),
    overall: s.overall,
    dimensions: { ...s.dimensions },
    artifactScores: s.artifactScores.map((a) => ({ ...a })),
    version,
  };
}

/** Row → snapshot as stored; `QualityScore.rehydrate` re-checks the id and the overall. */
export function toSnapshot(row: QualityScoreRow): QualityScoreSnapshot {
  return {
    qualityScoreId: row.id,
    tenantId: row.tenantId,
    projectId: row.projectId,
    window: { start: row.windowStart.toISOString(), end: row.windowEnd.toISOString() },
    computedAt: row.computedAt.toISOString(),
    overall: row.overall,
    dimensions: row.dimensions,
    artifactScores: row.artifactScores,
  };
}

export type QualityScoreStore = AggregateStore<QualityScore, QualityScoreRow>;

/**
 * The store of QualityScore rows. Every saved version also appends a revision (same
 * transaction), which is what `GET .../history` pages through: the row holds the score as it is
 * now, the revisions how it got there.
 */
export function qualityScoreStore(
  dataSource: DataSource,
  uow: UnitOfWork,
  revisionsTable: string,
): QualityScoreStore {
  return new AggregateStore(dataSource, uow, {
    resource: 'quality score',
    entity: QualityScoreEntity,
    toRow: (score, version) => toQualityScoreRow(score.toSnapshot(), version),
    toAggregate: (row) => QualityScore.rehydrate(toSnapshot(row)),
    async saveExtra(manager, score, previousVersion) {
      const row = toQualityScoreRow(score.toSnapshot(), previousVersion + 1);
      await manager.query(
        `INSERT INTO ${revisionsTable}
           (revision_id, quality_score_id, tenant_id, project_id, window_start, window_end,
            computed_at, overall, dimensions, artifact_scores, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          randomUUID(),
          row.id,
          row.tenantId,
          row.projectId,
          row.windowStart,
          row.windowEnd,
          row.computedAt,
          row.overall,
          JSON.stringify(row.dimensions),
          JSON.stringify(row.artifactScores),
          row.version,
        ],
      );
    },
  });
}
