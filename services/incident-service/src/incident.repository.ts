import {
  Incident,
  type EscalationStep,
  type IncidentEvent,
  type IncidentSnapshot,
  type IncidentSource,
  type TelemetryDimensions,
} from '@obs/domain';
import {
  AggregateStore,
  type Transaction,
  type UnitOfWork,
  type Versioned,
} from '@obs/service-kit';
import { EntitySchema, Not, type DataSource } from 'typeorm';
import { nextEscalationAt } from './escalation/next-escalation.js';

export interface IncidentRow {
  id: string;
  tenantId: string;
  projectId: string;
  moduleId: string | null;
  title: string;
  severity: string;
  status: string;
  source: string;
  sourceRef: string | null;
  traceId: string | null;
  openedAt: Date;
  escalationStartsAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  rootCause: string | null;
  statusChangedAt: Date;
  dimensions: TelemetryDimensions | null;
  escalationPolicyId: string | null;
  escalationSteps: EscalationStep[];
  /** Derived (see nextEscalationAt); indexed for the scheduler, never read back into the domain. */
  nextEscalationAt: Date | null;
  version: number;
}

export interface IncidentEventRow {
  incidentId: string;
  seq: number;
  tenantId: string;
  timestamp: Date;
  type: string;
  actor: string;
  note: string | null;
}

export const IncidentEntity = new EntitySchema<IncidentRow>({
  name: 'Incident',
  tableName: 'incidents',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    projectId: { type: 'text', name: 'project_id' },
    moduleId: { type: 'text', name: 'module_id', nullable: true },
    title: { type: 'text' },
    severity: { type: 'text' },
    status: { type: 'text' },
    source: { type: 'text' },
    sourceRef: { type: 'text', name: 'source_ref', nullable: true },
    traceId: { type: 'text', name: 'trace_id', nullable: true },
    openedAt: { type: 'timestamptz', name: 'opened_at' },
    escalationStartsAt: { type: 'timestamptz', name: 'escalation_starts_at' },
    acknowledgedAt: { type: 'timestamptz', name: 'acknowledged_at', nullable: true },
    resolvedAt: { type: 'timestamptz', name: 'resolved_at', nullable: true },
    rootCause: { type: 'text', name: 'root_cause', nullable: true },
    statusChangedAt: { type: 'timestamptz', name: 'status_changed_at' },
    dimensions: { type: 'jsonb', nullable: true },
    escalationPolicyId: { type: 'uuid', name: 'escalation_policy_id', nullable: true },
    escalationSteps: { type: 'jsonb', name: 'escalation_steps' },
    nextEscalationAt: { type: 'timestamptz', name: 'next_escalation_at', nullable: true },
    version: { type: 'integer' },
  },
});

/** The timeline, one row per line, appended per transition (the spec's "event log"). */
export const IncidentEventEntity = new EntitySchema<IncidentEventRow>({
  name: 'IncidentEvent',
  tableName: 'incident_events',
  columns: {
    incidentId: { type: 'uuid', name: 'incident_id', primary: true },
    seq: { type: 'integer', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    timestamp: { type: 'timestamptz', name: 'occurred_at' },
    type: { type: 'text' },
    actor: { type: 'text' },
    note: { type: 'text', nullable: true },
  },
});

const iso = (value: Date): string => value.toISOString();
const isoOrNull = (value: Date | null): string | null => (value === null ? null : iso(value));
const dateOrNull = (value: string | null): Date | null => (value === null ? null : new Date(value));

export function toIncidentRow(snapshot: IncidentSnapshot, version: number): IncidentRow {
  return {
    id: snapshot.incidentId,
    tenantId: snapshot.tenantId,
    projectId: snapshot.projectId,
    moduleId: snapshot.moduleId,
    title: snapshot.title,
    severity: snapshot.severity,
    status: snapshot.status,
    source: snapshot.source,
    sourceRef: snapshot.sourceRef,
    traceId: snapshot.traceId,
    openedAt: new Date(snapshot.openedAt),
    escalationStartsAt: new Date(snapshot.escalationStartsAt),
    acknowledgedAt: dateOrNull(snapshot.acknowledgedAt),
    resolvedAt: dateOrNull(snapshot.resolvedAt),
    rootCause: snapshot.rootCause,
    statusChangedAt: new Date(snapshot.statusChangedAt),
    dimensions: snapshot.dimensions === null ? null : { ...snapshot.dimensions },
    escalationPolicyId: snapshot.escalationPolicyId,
    escalationSteps: snapshot.escalationSteps.map((step) => ({ ...step })),
    nextEscalationAt: dateOrNull(nextEscalationAt(snapshot)),
    version,
  };
}

/** Timeline lines from index `from` on (the earlier ones are already stored: it only grows). */
export function toEventRows(snapshot: IncidentSnapshot, from: number): IncidentEventRow[] {
  return snapshot.events.slice(from).map((event, offset) => ({
    incidentId: snapshot.incidentId,
    seq: from + offset + 1,
    tenantId: snapshot.tenantId,
    timestamp: new Date(event.timestamp),
    type: event.type,
    actor: event.actor,
    note: event.note,
  }));
}

export function toTimelineEvent(row: IncidentEventRow): IncidentEvent {
  return {
    timestamp: iso(row.timestamp),
    type: row.type as IncidentEvent['type'],
    actor: row.actor,
    note: row.note,
  };
}

/**
 * Row → snapshot with the columns as stored; `Incident.rehydrate` re-checks every invariant, so a
 * row edited by hand into an impossible state fails loudly instead of being served.
 */
export function toSnapshot(
  row: IncidentRow,
  events: readonly IncidentEventRow[],
): IncidentSnapshot {
  return {
    incidentId: row.id,
    tenantId: row.tenantId,
    projectId: row.projectId,
    moduleId: row.moduleId,
    title: row.title,
    severity: row.severity as IncidentSnapshot['severity'],
    status: row.status as IncidentSnapshot['status'],
    source: row.source as IncidentSnapshot['source'],
    sourceRef: row.sourceRef,
    traceId: row.traceId,
    openedAt: iso(row.openedAt),
    escalationStartsAt: iso(row.escalationStartsAt),
    acknowledgedAt: isoOrNull(row.acknowledgedAt),
    resolvedAt: isoOrNull(row.resolvedAt),
    rootCause: row.rootCause,
    statusChangedAt: iso(row.statusChangedAt),
    dimensions: row.dimensions,
    escalationPolicyId: row.escalationPolicyId,
    escalationSteps: row.escalationSteps,
    events: events.map(toTimelineEvent),
  };
}

/**
 * The incident's store: the row plus its timeline, one line per row appended per transition
 * (lines only grow, so a save inserts the ones after the stored count, under the row lock).
 */
export type IncidentStore = AggregateStore<Incident, IncidentRow>;

export function incidentStore(dataSource: DataSource, uow: UnitOfWork): IncidentStore {
  return new AggregateStore(dataSource, uow, {
    resource: 'incident',
    entity: IncidentEntity,
    toRow: (incident, version) => toIncidentRow(incident.toSnapshot(), version),
    toAggregate: (row, lines) => Incident.rehydrate(toSnapshot(row, lines as IncidentEventRow[])),
    loadExtra: (manager, row) =>
      manager
        .getRepository(IncidentEventEntity)
        .find({ where: { incidentId: row.id }, order: { seq: 'ASC' } }),
    async saveExtra(manager, incident, previousVersion) {
      const events = manager.getRepository(IncidentEventEntity);
      const stored = previousVersion === 0 ? 0 : await events.countBy({ incidentId: incident.id });
      const fresh = toEventRows(incident.toSnapshot(), stored);
      if (fresh.length > 0) await events.insert(fresh);
    },
  });
}

/** The unresolved incident opened from (source, sourceRef), locked for the transaction. */
export function loadUnresolvedBySource(
  store: IncidentStore,
  tx: Transaction,
  tenantId: string,
  source: IncidentSource,
  sourceRef: string,
): Promise<Versioned<Incident> | undefined> {
  return store.findOneForUpdate(tx, { tenantId, source, sourceRef, status: Not('resolved') });
}
