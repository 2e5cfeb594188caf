import type {
  AlertResolvedPayload,
  AlertTriggeredPayload,
} from '../alert-rule/alert-rule.events.js';
import type {
  SloBreachedPayload,
  SloBurnRateAlertFiredPayload,
  SloBurnRateAlertResolvedPayload,
} from '../slo-definition/slo-definition.events.js';
import type { TelemetryDimensionsInput } from '../kernel/telemetry-dimensions.js';
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
  /** The escalation policy the steps come from (EscalationPolicy.incidentSteps); null: none. */
  readonly escalationPolicyId?: string | null;
  /** Tenant of the event the incident is opened from (alert, SLO breach, trace); must match. */
  readonly sourceTenantId?: string | null;
  /**
   * When the service took in the signal the incident opens from; without it (manual incidents)
   * escalation delays count from openedAt. See `escalationStart`.
   */
  readonly intake?: SignalIntake;
}

/** How a detection signal was taken in: when, and how old it may be and still count as live. */
export interface SignalIntake {
  /** The service clock when the signal was consumed. */
  readonly receivedAt: string;
  /** A signal older than this (ms) at receivedAt is a replay; whole number ≥ 0. */
  readonly replayHorizonMs: number;
}

/** What the incident needs of an AlertTriggered: a DomainEvent or a parsed envelope both fit. */
export interface AlertSignal {
  readonly tenantId: string;
  readonly traceId: string | null;
  readonly payload: AlertTriggeredPayload;
}

/** What the incident needs of an AlertResolved: a DomainEvent or a parsed envelope both fit. */
export interface AlertResolvedSignal {
  readonly tenantId: string;
  readonly payload: AlertResolvedPayload;
}

/** What the incident needs of an SloBreached: a DomainEvent or a parsed envelope both fit. */
export interface SloSignal {
  readonly tenantId: string;
  readonly traceId: string | null;
  readonly payload: SloBreachedPayload;
}

/** What the incident needs of an SloBurnRateAlertFired: a DomainEvent or a parsed envelope. */
export interface SloBurnRateAlertSignal {
  readonly tenantId: string;
  readonly traceId: string | null;
  readonly payload: SloBurnRateAlertFiredPayload;
}

/** What the incident needs of an SloBurnRateAlertResolved. */
export interface SloBurnRateAlertResolvedSignal {
  readonly tenantId: string;
  readonly payload: SloBurnRateAlertResolvedPayload;
}

export interface OpenFromSloBurnRateAlertInput {
  readonly incidentId: string;
  /** The tenant of the consuming context; the alert must carry the same one. */
  readonly tenantId: string;
  readonly alert: SloBurnRateAlertSignal;
  /** The alert carries page/ticket, not a platform severity: the service decides. */
  readonly severity: string;
  readonly escalationSteps?: readonly EscalationStepInput[];
  readonly intake?: SignalIntake;
}

export interface OpenFromAlertInput {
  readonly incidentId: string;
  /** The tenant of the consuming context; the alert must carry the same one. */
  readonly tenantId: string;
  readonly alert: AlertSignal;
  /** Defaults to the alert's firedAt: the incident opened when the problem fired (event time). */
  readonly openedAt?: string;
  /** The eleven dimensions, when the alert's group carries them; the alert has no field for it. */
  readonly dimensions?: TelemetryDimensionsInput | null;
  readonly escalationSteps?: readonly EscalationStepInput[];
  readonly escalationPolicyId?: string | null;
  readonly intake?: SignalIntake;
}

export interface OpenFromSloBreachInput {
  readonly incidentId: string;
  /** The tenant of the consuming context; the breach must carry the same one. */
  readonly tenantId: string;
  readonly breach: SloSignal;
  /** SloBreached carries no severity: the service decides (a spent budget is usually critical). */
  readonly severity: string;
  /** Defaults to the breach's breachedAt (event time). */
  readonly openedAt?: string;
  readonly escalationSteps?: readonly EscalationStepInput[];
  readonly escalationPolicyId?: string | null;
  readonly intake?: SignalIntake;
}

/**
 * Who a schedule puts on call at an instant, as the escalation sees it: undefined when the
 * schedule no longer exists. The service answers it from its schedules (onCallAt).
 */
export type OnCallLookup = (
  scheduleId: string,
  atMs: number,
) => { readonly scheduleName: string; readonly member: string | null } | undefined;

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
