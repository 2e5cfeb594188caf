import type { FeedbackCategory, FeedbackSource, FeedbackStatus, Sentiment } from '@obs/domain';
import { keysetPage, type Page, type PageRequest } from '@obs/service-kit';
import { In, type DataSource, type EntityManager } from 'typeorm';
import {
  FeedbackAttachmentEntity,
  FeedbackItemEntity,
  toSnapshot,
  type FeedbackAttachmentRow,
  type FeedbackItemRow,
} from './feedback-item.repository.js';
import { viewOfSnapshot, type FeedbackItemView } from './feedback-item.view.js';

/** Read models: plain queries over the tables, always within the caller's tenant. */

export interface FeedbackFilter {
  readonly projectId?: string;
  readonly artifactId?: string;
  readonly source?: FeedbackSource;
  readonly category?: FeedbackCategory;
  readonly sentiment?: Sentiment;
  readonly status?: FeedbackStatus;
  /** An inbox: items routed to this team, backlog or agent. */
  readonly routedTo?: string;
  readonly traceId?: string;
  /** createdAt ≥ from (ISO-8601). */
  readonly from?: string;
  /** createdAt < to (ISO-8601). */
  readonly to?: string;
}

function viewOfRows(row: FeedbackItemRow, attachments: readonly FeedbackAttachmentRow[]) {
  return viewOfSnapshot(toSnapshot(row, attachments), row.version);
}

/** One item of the tenant; another tenant's id is as unknown as a missing one. */
export async function findFeedback(
  dataSource: DataSource,
  tenantId: string,
  id: string,
): Promise<FeedbackItemView | undefined> {
  const row = await dataSource.getRepository(FeedbackItemEntity).findOneBy({ id, tenantId });
  if (!row) return undefined;
  const attachments = await dataSource
    .getRepository(FeedbackAttachmentEntity)
    .find({ where: { feedbackItemId: id }, order: { seq: 'ASC' } });
  return viewOfRows(row, attachments);
}

/** One attachment of one of the tenant's items (the row that says where its blob is). */
export async function findAttachment(
  dataSource: DataSource,
  tenantId: string,
  feedbackItemId: string,
  attachmentId: string,
): Promise<FeedbackAttachmentRow | undefined> {
  const row = await dataSource
    .getRepository(FeedbackAttachmentEntity)
    .findOneBy({ id: attachmentId, feedbackItemId, tenantId });
  return row ?? undefined;
}

/**
 * A page of the tenant's items, newest first by (createdAt, id); the cursor is the last item's
 * position. `manager` lets the export job read inside its own connection.
 */
export async function listFeedback(
  manager: DataSource | EntityManager,
  tenantId: string,
  filter: FeedbackFilter,
  page: PageRequest,
): Promise<Page<FeedbackItemView>> {
  const query = manager
    .getRepository(FeedbackItemEntity)
    .createQueryBuilder('f')
    .where('f.tenantId = :tenantId', { tenantId });
  if (filter.projectId !== undefined)
    query.andWhere('f.projectId = :projectId', { projectId: filter.projectId });
  if (filter.artifactId !== undefined)
    query.andWhere('f.artifactId = :artifactId', { artifactId: filter.artifactId });
  if (filter.source) query.andWhere('f.source = :source', { source: filter.source });
  if (filter.category) query.andWhere('f.category = :category', { category: filter.category });
  if (filter.sentiment) query.andWhere('f.sentiment = :sentiment', { sentiment: filter.sentiment });
  if (filter.status) query.andWhere('f.status = :status', { status: filter.status });
  if (filter.routedTo !== undefined)
    query.andWhere('f.routedTo = :routedTo', { routedTo: filter.routedTo });
  if (filter.traceId) query.andWhere('f.traceId = :traceId', { traceId: filter.traceId });
  if (filter.from) query.andWhere('f.createdAt >= :from', { from: new Date(filter.from) });
  if (filter.to) query.andWhere('f.createdAt < :to', { to: new Date(filter.to) });
  const { items: rows, nextCursor } = await keysetPage(query, NEWEST_FIRST, page, {
    toItem: (row) => row,
    positionOf: (row) => ({ sortKey: row.createdAt.getTime(), id: row.id }),
  });
  const attachments =
    rows.length === 0
      ? []
      : await manager.getRepository(FeedbackAttachmentEntity).find({
          where: { feedbackItemId: In(rows.map((r) => r.id)) },
          order: { seq: 'ASC' },
        });
  const items = rows.map((row) =>
    viewOfRows(
      row,
      attachments.filter((a) => a.feedbackItemId === row.id),
    ),
  );
  return { items, nextCursor };
}

const NEWEST_FIRST = {
  sortColumn: 'f.created_at',
  sortType: 'timestamptz',
  idColumn: 'f.id',
  idType: 'uuid',
} as const;
