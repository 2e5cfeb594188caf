import { FeedbackItem, type FeedbackAttachment, type FeedbackItemSnapshot } from '@obs/domain';
import { AggregateStore, type UnitOfWork } from '@obs/service-kit';
import { EntitySchema, type DataSource } from 'typeorm';

export interface FeedbackItemRow {
  id: string;
  tenantId: string;
  projectId: string | null;
  artifactId: string | null;
  moduleId: string | null;
  source: string;
  sourceId: string | null;
  category: string;
  sentiment: string;
  summary: string;
  detail: string | null;
  traceId: string | null;
  status: string;
  routedTo: string | null;
  createdAt: Date;
  routedAt: Date | null;
  appliedAt: Date | null;
  appliedChangeRef: string | null;
  version: number;
}

/** One row per attachment (the entity), numbered in the order they were attached. */
export interface FeedbackAttachmentRow {
  id: string;
  feedbackItemId: string;
  tenantId: string;
  seq: number;
  blobRef: string;
  kind: string;
  contentType: string;
  sizeBytes: number;
  fileName: string | null;
  attachedAt: Date;
}

export const FeedbackItemEntity = new EntitySchema<FeedbackItemRow>({
  name: 'FeedbackItem',
  tableName: 'feedback_items',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    projectId: { type: 'text', name: 'project_id', nullable: true },
    artifactId: { type: 'text', name: 'artifact_id', nullable: true },
    moduleId: { type: 'text', name: 'module_id', nullable: true },
    source: { type: 'text' },
    sourceId: { type: 'text', name: 'source_id', nullable: true },
    category: { type: 'text' },
    sentiment: { type: 'text' },
    summary: { type: 'text' },
    detail: { type: 'text', nullable: true },
    traceId: { type: 'text', name: 'trace_id', nullable: true },
    status: { type: 'text' },
    routedTo: { type: 'text', name: 'routed_to', nullable: true },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    routedAt: { type: 'timestamptz', name: 'routed_at', nullable: true },
    appliedAt: { type: 'timestamptz', name: 'applied_at', nullable: true },
    appliedChangeRef: { type: 'text', name: 'applied_change_ref', nullable: true },
    version: { type: 'integer' },
  },
});

export const FeedbackAttachmentEntity = new EntitySchema<FeedbackAttachmentRow>({
  name: 'FeedbackAttachment',
  tableName: 'feedback_attachments',
  columns: {
    id: { type: 'uuid', primary: true },
    feedbackItemId: { type: 'uuid', name: 'feedback_item_id' },
    tenantId: { type: 'text', name: 'tenant_id' },
    seq: { type: 'integer' },
    blobRef: { type: 'text', name: 'blob_ref' },
    kind: { type: 'text' },
    contentType: { type: 'text', name: 'content_type' },
    sizeBytes: { type: 'integer', name: 'size_bytes' },
    fileName: { type: 'text', name: 'file_name', nullable: true },
    attachedAt: { type: 'timestamptz', name: 'attached_at' },
  },
});

const dateOrNull = (value: string | null): Date | null => (value === null ? null : new Date(value));
const isoOrNull = (value: Date | null): string | null => value?.toISOString() ?? null;

export function toFeedbackItemRow(
  snapshot: FeedbackItemSnapshot,
  version: number,
): FeedbackItemRow {
  return {
    id: snapshot.feedbackItemId,
    tenantId: snapshot.tenantId,
    projectId: snapshot.projectId,
    artifactId: snapshot.artifactId,
    moduleId: snapshot.moduleId,
    source: snapshot.source,
    sourceId: snapshot.sourceId,
    category: snapshot.category,
    sentiment: snapshot.sentiment,
    summary: snapshot.summary,
    detail: snapshot.detail,
    traceId: snapshot.traceId,
    status: snapshot.status,
    routedTo: snapshot.routedTo,
    createdAt: new Date(snapshot.createdAt),
    routedAt: dateOrNull(snapshot.routedAt),
    appliedAt: dateOrNull(snapshot.appliedAt),
    appliedChangeRef: snapshot.appliedChangeRef,
    version,
  };
}

/** Attachment rows from index `from` on (the earlier ones are stored: attachments only grow). */
export function toAttachmentRows(
  snapshot: FeedbackItemSnapshot,
  from: number,
): FeedbackAttachmentRow[] {
  return snapshot.attachments.slice(from).map((attachment, offset) => ({
    id: attachment.attachmentId,
    feedbackItemId: snapshot.feedbackItemId,
    tenantId: snapshot.tenantId,
    seq: from + offset + 1,
    blobRef: attachment.blobRef,
    kind: attachment.kind,
    contentType: attachment.contentType,
    sizeBytes: attachment.sizeBytes,
    fileName: attachment.fileName,
    attachedAt: new Date(attachment.attachedAt),
  }));
}

export function toAttachment(row: FeedbackAttachmentRow): FeedbackAttachment {
  return {
    attachmentId: row.id,
    blobRef: row.blobRef,
    kind: row.kind as FeedbackAttachment['kind'],
    contentType: row.contentType,
    sizeBytes: row.sizeBytes,
    fileName: row.fileName,
    attachedAt: row.attachedAt.toISOString(),
  };
}

/**
 * Row → snapshot with the columns as stored; `FeedbackItem.rehydrate` re-checks every invariant,
 * so a row edited by hand into an impossible state fails loudly instead of being served.
 */
export function toSnapshot(
  row: FeedbackItemRow,
  attachments: readonly FeedbackAttachmentRow[],
): FeedbackItemSnapshot {
  return {
    feedbackItemId: row.id,
    tenantId: row.tenantId,
    projectId: row.projectId,
    artifactId: row.artifactId,
    moduleId: row.moduleId,
    source: row.source as FeedbackItemSnapshot['source'],
    sourceId: row.sourceId,
    category: row.category as FeedbackItemSnapshot['category'],
    sentiment: row.sentiment as FeedbackItemSnapshot['sentiment'],
    summary: row.summary,
    detail: row.detail,
    traceId: row.traceId,
    status: row.status as FeedbackItemSnapshot['status'],
    routedTo: row.routedTo,
    createdAt: row.createdAt.toISOString(),
    routedAt: isoOrNull(row.routedAt),
    appliedAt: isoOrNull(row.appliedAt),
    appliedChangeRef: row.appliedChangeRef,
    attachments: attachments.map(toAttachment),
  };
}

export type FeedbackItemStore = AggregateStore<FeedbackItem, FeedbackItemRow>;

/**
 * The item's store: its row plus one row per attachment. Attachments only grow, so a save inserts
 * the ones after the stored count, under the row lock the store holds.
 */
export function feedbackItemStore(dataSource: DataSource, uow: UnitOfWork): FeedbackItemStore {
  return new AggregateStore(dataSource, uow, {
    resource: 'feedback item',
    entity: FeedbackItemEntity,
    toRow: (item, version) => toFeedbackItemRow(item.toSnapshot(), version),
    toAggregate: (row, attachments) =>
      FeedbackItem.rehydrate(toSnapshot(row, attachments as FeedbackAttachmentRow[])),
    loadExtra: (manager, row) =>
      manager
        .getRepository(FeedbackAttachmentEntity)
        .find({ where: { feedbackItemId: row.id }, order: { seq: 'ASC' } }),
    async saveExtra(manager, item, previousVersion) {
      const rows = manager.getRepository(FeedbackAttachmentEntity);
      const stored = previousVersion === 0 ? 0 : await rows.countBy({ feedbackItemId: item.id });
      const fresh = toAttachmentRows(item.toSnapshot(), stored);
      if (fresh.length > 0) await rows.insert(fresh);
    },
  });
}
