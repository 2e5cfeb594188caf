import { keysetPage, type Page, type PageRequest, type ServiceContext } from '@obs/service-kit';
import { EntitySchema } from 'typeorm';
import { viewOfSqlRow, type QualityScoreView, type ScoreSqlRow } from './quality-score.view.js';

/** Read models over the scores and their revisions, always within the caller's tenant. */

const COLUMNS = `tenant_id, project_id, window_start, window_end, computed_at, overall,
  dimensions, artifact_scores, version`;

/**
 * The project's latest score: the one whose window ends last (then the shorter window, then the
 * id, so the answer is deterministic). undefined when the tenant has no score for the project.
 */
export async function latestScore(
  ctx: ServiceContext,
  tenantId: string,
  projectId: string,
): Promise<QualityScoreView | undefined> {
  const [row]: ScoreSqlRow[] = await ctx.dataSource.query(
    `SELECT id, ${COLUMNS} FROM ${ctx.table('quality_scores')}
      WHERE tenant_id = $1 AND project_id = $2
      ORDER BY window_end DESC, window_start DESC, id DESC
      LIMIT 1`,
    [tenantId, projectId],
  );
  return row ? viewOfSqlRow(row) : undefined;
}

interface RevisionSqlRow extends ScoreSqlRow {
  /** bigint, as the driver answers it. */
  readonly seq: string;
  readonly revision_id: string;
}

/**
 * The revisions as the history reads them (the store appends them in SQL). Properties are named
 * as the columns, so a revision maps to the API as a score row does.
 */
export const QualityScoreRevisionEntity = new EntitySchema<RevisionSqlRow>({
  name: 'QualityScoreRevision',
  tableName: 'quality_score_revisions',
  columns: {
    revision_id: { type: 'uuid', primary: true },
    seq: { type: 'bigint' },
    id: { type: 'text', name: 'quality_score_id' },
    tenant_id: { type: 'text' },
    project_id: { type: 'text' },
    window_start: { type: 'timestamptz' },
    window_end: { type: 'timestamptz' },
    computed_at: { type: 'timestamptz' },
    overall: { type: 'double precision' },
    dimensions: { type: 'jsonb' },
    artifact_scores: { type: 'jsonb' },
    version: { type: 'integer' },
  },
});

/**
 * Every change of the project's scores, newest first: one item per stored version of any of
 * its windows (a recomputation that changed nothing stored nothing, so it is not here).
 * Keyset paging on the revision sequence; the cursor is `<seq>.<revision id>`.
 */
export function scoreHistory(
  ctx: ServiceContext,
  tenantId: string,
  projectId: string,
  page: PageRequest,
): Promise<Page<QualityScoreView>> {
  const query = ctx.dataSource
    .getRepository(QualityScoreRevisionEntity)
    .createQueryBuilder('r')
    .where('r.tenant_id = :tenantId AND r.project_id = :projectId', { tenantId, projectId });
  return keysetPage(
    query,
    { sortColumn: 'r.seq', sortType: 'bigint', idColumn: 'r.revision_id', idType: 'uuid' },
    page,
    {
      toItem: viewOfSqlRow,
      positionOf: (row) => ({ sortKey: Number(row.seq), id: row.revision_id }),
    },
  );
}
