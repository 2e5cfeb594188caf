import type { IncidentEvent, IncidentSource, IncidentStatus, Severity } from '@obs/domain';
import { keysetPage, type Page, type PageRequest } from '@obs/service-kit';
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
    escalationPolicyId: row.escalationPolicyId,
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
  return keysetPage(
    query,
    { sortColumn: 'i.opened_at', sortType: 'timestamptz', idColumn: 'i.id', idType: 'uuid' },
    page,
    { toItem: viewOfRow, positionOf: (row) => ({ sortKey: row.openedAt.getTime(), id: row.id }) },
  );
}

/**
 * The incident's timeline, oldest first, or undefined when the tenant has no such incident.
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
  // Oldest first by line number (seq); the cursor is `<seq>.<incident id>`, the kit's one shape.
  const query = dataSource
    .getRepository(IncidentEventEntity)
    .createQueryBuilder('e')
    .where('e.tenantId = :tenantId AND e.incidentId = :incidentId', { tenantId, incidentId });
  return keysetPage(
    query,
    {
      sortColumn: 'e.seq',
      sortType: 'bigint',
      idColumn: 'e.incident_id',
      idType: 'uuid',
      direction: 'ASC',
    },
    page,
    { toItem: toTimelineEvent, positionOf: (row) => ({ sortKey: row.seq, id: row.incidentId }) },
  );
}
