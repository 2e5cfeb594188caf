import type { IncidentEvent, IncidentSource, IncidentStatus, Severity } from '@obs/domain';
import { keysetCursor, toKeysetPage, type Page } from '@obs/service-kit';
import type { DataSource } from 'typeorm';
import {
  IncidentEntity,
  IncidentEventEntity,
  toTimelineEvent,
  type IncidentRow,
} from './incident.repository.js';
import type { IncidentView } from './incident.view.js';

/** Read models: plain queries over the tables, always within the caller's tenant. */

export interface IncidentFilter {
  readonly status?: IncidentStatus;
  readonly severity?: Severity;
  readonly projectId?: string;
  readonly source?: IncidentSource;
}

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string;
}

export function viewOfRow(row: IncidentRow): IncidentView {
  return {
    id: row.id,
    tenantId: row.tenantId,
    projectId: row.projectId,
    moduleId: row.moduleId,
    title: row.title,
    severity: row.severity as Severity,
    status: row.status as IncidentStatus,
    source: row.source as IncidentSource,
    sourceRef: row.sourceRef,
    traceId: row.traceId,
    dimensions: row.dimensions,
    openedAt: row.openedAt.toISOString(),
    escalationStartsAt: row.escalationStartsAt.toISOString(),
    acknowledgedAt: row.acknowledgedAt?.toISOString() ?? null,
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    rootCause: row.rootCause,
    statusChangedAt: row.statusChangedAt.toISOString(),
    escalationSteps: row.escalationSteps,
    nextEscalationAt: row.nextEscalationAt?.toISOString() ?? null,
    version: row.version,
  };
}

/**
 * One incident of the tenant as the API shows it: a single-row read, no aggregate rehydration and
 * no timeline (served by /events). Another tenant's id is as unknown as a missing one.
 */
export async function findIncident(
  dataSource: DataSource,
  tenantId: string,
  id: string,
): Promise<IncidentView | undefined> {
  const row = await dataSource.getRepository(IncidentEntity).findOneBy({ id, tenantId });
  return row ? viewOfRow(row) : undefined;
}

export async function listIncidents(
  dataSource: DataSource,
  tenantId: string,
  filter: IncidentFilter,
  page: PageRequest,
): Promise<Page<IncidentView>> {
  const query = dataSource
    .getRepository(IncidentEntity)
    .createQueryBuilder('i')
    .where('i.tenantId = :tenantId', { tenantId });
  if (filter.status) query.andWhere('i.status = :status', { status: filter.status });
  if (filter.severity) query.andWhere('i.severity = :severity', { severity: filter.severity });
  if (filter.projectId) query.andWhere('i.projectId = :projectId', { projectId: filter.projectId });
  if (filter.source) query.andWhere('i.source = :source', { source: filter.source });
  // Newest first by (openedAt, id); the cursor is the last item's position.
  const after = keysetCursor.decode(page.cursor);
  if (after) {
    query.andWhere('(i.opened_at, i.id) < (CAST(:openedAt AS timestamptz), CAST(:id AS uuid))', {
      openedAt: new Date(after.sortKey),
      id: after.id,
    });
  }
  const rows = await query
    .orderBy('i.openedAt', 'DESC')
    .addOrderBy('i.id', 'DESC')
    .limit(page.limit + 1)
    .getMany();
  return toKeysetPage(rows.map(viewOfRow), page.limit, (view) => ({
    sortKey: Date.parse(view.openedAt),
    id: view.id,
  }));
}

/**
 * The incident's timeline, oldest first, or undefined when the tenant has no such incident.
 * The cursor carries the line number (seq) of the last line served.
 */
export async function listTimeline(
  dataSource: DataSource,
  tenantId: string,
  incidentId: string,
  page: PageRequest,
): Promise<Page<IncidentEvent> | undefined> {
  const exists = await dataSource
    .getRepository(IncidentEntity)
    .existsBy({ id: incidentId, tenantId });
  if (!exists) return undefined;
  // The cursor carries the line number (seq) of the last line served; one of another incident
  // is simply a position in this one.
  const afterSeq = keysetCursor.decode(page.cursor)?.sortKey ?? 0;
  const rows = await dataSource
    .getRepository(IncidentEventEntity)
    .createQueryBuilder('e')
    .where('e.tenantId = :tenantId AND e.incidentId = :incidentId', { tenantId, incidentId })
    .andWhere('e.seq > CAST(:afterSeq AS bigint)', { afterSeq })
    .orderBy('e.seq', 'ASC')
    .limit(page.limit + 1)
    .getMany();
  const lines = toKeysetPage(rows, page.limit, (row) => ({ sortKey: row.seq, id: incidentId }));
  return { items: lines.items.map(toTimelineEvent), nextCursor: lines.nextCursor };
}
