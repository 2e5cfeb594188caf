import type {
  EscalationStep,
  IncidentSnapshot,
  IncidentSource,
  IncidentStatus,
  Severity,
  TelemetryDimensions,
} from '@obs/domain';
import { nextEscalationAt } from './escalation/next-escalation.js';

/**
 * The incident as the API shows it: the aggregate's state without its timeline (served by
 * `/events`), plus the stored version (the ETag) and when it will next escalate.
 */
export interface IncidentView {
  readonly id: string;
  readonly tenantId: string;
  readonly projectId: string;
  readonly moduleId: string | null;
  readonly title: string;
  readonly severity: Severity;
  readonly status: IncidentStatus;
  readonly source: IncidentSource;
  readonly sourceRef: string | null;
  readonly traceId: string | null;
  readonly dimensions: TelemetryDimensions | null;
  readonly openedAt: string;
  readonly escalationStartsAt: string;
  readonly acknowledgedAt: string | null;
  readonly resolvedAt: string | null;
  readonly rootCause: string | null;
  readonly statusChangedAt: string;
  readonly escalationPolicyId: string | null;
  readonly escalationSteps: readonly EscalationStep[];
  readonly nextEscalationAt: string | null;
  readonly version: number;
}

export function viewOfSnapshot(snapshot: IncidentSnapshot, version: number): IncidentView {
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
    dimensions: snapshot.dimensions,
    openedAt: snapshot.openedAt,
    escalationStartsAt: snapshot.escalationStartsAt,
    acknowledgedAt: snapshot.acknowledgedAt,
    resolvedAt: snapshot.resolvedAt,
    rootCause: snapshot.rootCause,
    statusChangedAt: snapshot.statusChangedAt,
    escalationPolicyId: snapshot.escalationPolicyId,
    escalationSteps: snapshot.escalationSteps,
    nextEscalationAt: nextEscalationAt(snapshot),
    version,
  };
}
