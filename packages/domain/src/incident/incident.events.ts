import type { DomainEvent } from '../kernel/aggregate-root.js';
import type { Severity } from '../kernel/severity.js';
import type { TelemetryDimensions } from '../kernel/telemetry-dimensions.js';
import type { IncidentSource } from './incident-values.js';

export const INCIDENT_AGGREGATE_TYPE = 'Incident';

/** Payload contract: the event payload schemas in packages/event-envelope/src/payloads (IncidentOpened, public). */
export interface IncidentOpenedPayload {
  readonly incidentId: string;
  readonly title: string;
  readonly severity: Severity;
  readonly source: IncidentSource;
  /** Alert fingerprint, sloId or traceId; null for manual. */
  readonly sourceRef: string | null;
  readonly projectId: string;
  readonly moduleId: string | null;
  readonly openedAt: string;
  readonly dimensions: TelemetryDimensions | null;
}

/** Payload contract: IncidentResolved (public). durationMs = resolvedAt − openedAt. */
export interface IncidentResolvedPayload {
  readonly incidentId: string;
  readonly title: string;
  readonly severity: Severity;
  readonly source: IncidentSource;
  readonly sourceRef: string | null;
  readonly projectId: string;
  readonly moduleId: string | null;
  readonly rootCause: string;
  readonly openedAt: string;
  readonly resolvedAt: string;
  readonly durationMs: number;
}

/** Payload contract: IncidentAcknowledged (internal). */
export interface IncidentAcknowledgedPayload {
  readonly incidentId: string;
  readonly actor: string;
  readonly acknowledgedAt: string;
}

/** Who a step's schedule put on call when it escalated (null: nobody, or the schedule is gone). */
export interface EscalationOnCall {
  readonly scheduleId: string;
  readonly member: string | null;
}

/**
 * Payload contract: IncidentEscalated (internal). The fields after escalatedAt are present when
 * the step comes from an escalation policy (it names receivers and/or schedules).
 */
export interface IncidentEscalatedPayload {
  readonly incidentId: string;
  readonly level: number;
  readonly target: string;
  readonly escalatedAt: string;
  readonly escalationPolicyId?: string | null;
  readonly receiverIds?: readonly string[];
  readonly onCall?: readonly EscalationOnCall[];
  readonly title?: string;
  readonly severity?: Severity;
  readonly projectId?: string;
  readonly sourceRef?: string | null;
}

export type IncidentOpened = DomainEvent<'IncidentOpened', IncidentOpenedPayload>;
export type IncidentResolved = DomainEvent<'IncidentResolved', IncidentResolvedPayload>;
export type IncidentAcknowledged = DomainEvent<'IncidentAcknowledged', IncidentAcknowledgedPayload>;
export type IncidentEscalated = DomainEvent<'IncidentEscalated', IncidentEscalatedPayload>;

export type IncidentDomainEvent =
  IncidentOpened | IncidentResolved | IncidentAcknowledged | IncidentEscalated;
