import {
  TelemetryCorrelation,
  type CorrelationLink,
  type TelemetryCorrelationSnapshot,
  type TelemetryDimensions,
} from '@obs/domain';
import { AggregateStore, type UnitOfWork } from '@obs/service-kit';
import { EntitySchema, type DataSource } from 'typeorm';

/** A link as stored: the domain's CorrelationLink, locator only where the kind has one. */
export interface LinkRow {
  kind: string;
  targetId: string;
  store: string;
  locator?: Record<string, string>;
}

export interface CorrelationRow {
  /** The trace id: the kit's stores key every aggregate by `id`. */
  id: string;
  tenantId: string;
  projectId: string | null;
  dimensions: TelemetryDimensions | null;
  dimensionsVersion: number;
  links: LinkRow[];
  updatedAt: Date;
  version: number;
}

export const CorrelationEntity = new EntitySchema<CorrelationRow>({
  name: 'TelemetryCorrelation',
  tableName: 'correlations',
  columns: {
    tenantId: { type: 'text', name: 'tenant_id', primary: true },
    id: { type: 'text', primary: true },
    projectId: { type: 'text', name: 'project_id', nullable: true },
    dimensions: { type: 'jsonb', nullable: true },
    dimensionsVersion: { type: 'integer', name: 'dimensions_version' },
    links: { type: 'jsonb' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
    version: { type: 'integer' },
  },
});

function toLinkRow(link: CorrelationLink): LinkRow {
  const row: LinkRow = { kind: link.kind, targetId: link.targetId, store: link.store };
  if (link.locator !== undefined) row.locator = { ...link.locator };
  return row;
}

export function toCorrelationRow(
  snapshot: TelemetryCorrelationSnapshot,
  version: number,
): CorrelationRow {
  return {
    id: snapshot.traceId,
    tenantId: snapshot.tenantId,
    projectId: snapshot.projectId,
    dimensions: snapshot.dimensions === null ? null : { ...snapshot.dimensions },
    dimensionsVersion: snapshot.dimensionsVersion,
    links: snapshot.links.map(toLinkRow),
    updatedAt: new Date(snapshot.updatedAt),
    version,
  };
}

/**
 * Row → snapshot as stored; `TelemetryCorrelation.rehydrate` re-checks kinds, stores, locators and
 * the dimensions' tenant, so a row edited by hand into an impossible state fails loudly.
 */
export function toSnapshot(row: CorrelationRow): TelemetryCorrelationSnapshot {
  return {
    traceId: row.id,
    tenantId: row.tenantId,
    projectId: row.projectId,
    dimensions: row.dimensions,
    dimensionsVersion: row.dimensionsVersion,
    links: row.links.map((link) => ({ ...link }) as CorrelationLink),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type CorrelationStore = AggregateStore<TelemetryCorrelation, CorrelationRow>;

export function correlationStore(dataSource: DataSource, uow: UnitOfWork): CorrelationStore {
  return new AggregateStore(dataSource, uow, {
    resource: 'correlation',
    entity: CorrelationEntity,
    toRow: (correlation, version) => toCorrelationRow(correlation.toSnapshot(), version),
    toAggregate: (row) => TelemetryCorrelation.rehydrate(toSnapshot(row)),
  });
}
