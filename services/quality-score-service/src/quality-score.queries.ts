import { keysetCursor, toKeysetPage, type Page, type ServiceContext } from '@obs/service-kit';
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
  readonly seq: string;
  readonly revision_id: string;
}

/**
 * Every change of the project's scores, newest first: one item per stored version of any of
 * its windows (a recomputation that changed nothing stored nothing, so it is not here).
 * Keyset paging on the revision sequence; the cursor is `<seq>.<revision id>`.
 */
export async function scoreHistory(
  ctx: ServiceContext,
  tenantId: string,
  projectId: string,
  page: { readonly limit: number; readonly cursor?: string },
): Promise<Page<QualityScoreView>> {
  const after = keysetCursor.decode(page.cursor);
  const rows: RevisionSqlRow[] = await ctx.dataSource.query(
    `SELECT quality_score_id AS id, seq::text AS seq, revision_id, ${COLUMNS}
       FROM ${ctx.table('quality_score_revisions')}
      WHERE tenant_id = $1 AND project_id = $2 AND ($3::bigint IS NULL OR seq < $3)
      ORDER BY seq DESC
      LIMIT $4`,
    [tenantId, projectId, after?.sortKey ?? null, page.limit + 1],
  );
  const positioned = toKeysetPage(rows, page.limit, (row) => ({
    sortKey: Number(row.seq),
    id: row.revision_id,
  }));
  return { items: positioned.items.map(viewOfSqlRow), nextCursor: positioned.nextCursor };
}
