import type { AlertTriggeredPayload } from '../alert-rule/alert-rule.events.js';
import type { TelemetryDimensionsInput } from '../shared/telemetry-dimensions.js';
import type { EscalationStepInput } from './escalation-step.js';

export interface OpenIncidentInput {
  /** Chosen by the service (a UUID); the domain has no randomness. */
  readonly incidentId: string;
  readonly tenantId: string;
  readonly projectId: string;
  readonly moduleId?: string | null;
  readonly title: string;
  readonly severity: string;
  readonly source: string;
  readonly sourceRef?: string | null;
  readonly traceId?: string | null;
  readonly dimensions?: TelemetryDimensionsInput | null;
  readonly openedAt: string;
  /** The person opening a manual incident; `system` otherwise. */
  readonly openedBy?: string;
  readonly escalationSteps?: readonly EscalationStepInput[];
  /** Tenant of the event the incident is opened from (alert, SLO breach, trace); must match. */
  readonly sourceTenantId?: string | null;
}

/** What the incident needs of an AlertTriggered: a DomainEvent or a parsed envelope both fit. */
export interface AlertSignal {
  readonly tenantId: string;
  readonly traceId: string | null;
  readonly payload: AlertTriggeredPayload;
}

export interface OpenFromAlertInput {
  readonly incidentId: string;
  /** The tenant of the consuming context; the alert must carry the same one. */
  readonly tenantId: string;
  readonly alert: AlertSignal;
  readonly openedAt: string;
  readonly escalationSteps?: readonly EscalationStepInput[];
}

export interface ActorCommand {
  readonly actor: string;
  readonly at: string;
}

/** Every lifecycle command may say why: the note lands on the timeline line it appends. */
export interface NoteCommand extends ActorCommand {
  readonly note?: string | null;
}

export interface ResolveCommand extends NoteCommand {
  readonly rootCause: string;
}

export interface PostmortemNoteCommand extends ActorCommand {
  readonly note: string;
}
