import { ensure } from '../kernel/domain-error.js';
import {
  requiredText,
  tenantId as toTenantId,
  traceId as toTraceId,
  type TenantId,
} from '../kernel/ids.js';
import { severity as toSeverity, type Severity } from '../kernel/severity.js';
import {
  telemetryDimensions,
  type TelemetryDimensions,
  type TelemetryDimensionsInput,
} from '../kernel/telemetry-dimensions.js';
import { parseInstant, toIso } from '../kernel/time.js';
import {
  escalationPolicy,
  MAX_ESCALATION_STEPS,
  MAX_POLICY_ESCALATION_STEPS,
  type EscalationStep,
  type EscalationStepInput,
} from './escalation-step.js';
import {
  incidentEvent,
  type IncidentEvent,
  type IncidentEventInput,
} from './incident-event.entity.js';
import { isAcknowledged } from './incident-lifecycle.js';
import {
  incidentSource,
  incidentStatus,
  type IncidentSource,
  type IncidentStatus,
} from './incident-values.js';

export const TITLE_MAX_LENGTH = 300;
export const ROOT_CAUSE_MAX_LENGTH = 10_000;

export interface IncidentSnapshot {
  readonly incidentId: string;
  readonly tenantId: string;
  readonly projectId: string;
  readonly moduleId: string | null;
  readonly title: string;
  readonly severity: Severity;
  readonly status: IncidentStatus;
  readonly source: IncidentSource;
  /** Alert fingerprint, sloId or traceId, by source; null for manual. */
  readonly sourceRef: string | null;
  readonly traceId: string | null;
  readonly openedAt: string;
  /**
   * What escalation delays count from: openedAt, or the intake instant for a replayed signal
   * (see escalationStart). Never before openedAt.
   */
  readonly escalationStartsAt: string;
  readonly acknowledgedAt: string | null;
  readonly resolvedAt: string | null;
  readonly rootCause: string | null;
  /** When the status last changed; no later command may carry an earlier time. */
  readonly statusChangedAt: string;
  readonly dimensions: TelemetryDimensions | null;
  /**
   * The escalation policy whose steps the incident copied when it opened; null for the service's
   * default policy or steps given by hand.
   */
  readonly escalationPolicyId: string | null;
  readonly escalationSteps: readonly EscalationStep[];
  readonly events: readonly IncidentEvent[];
}

export type IncidentState = Omit<IncidentSnapshot, 'tenantId'> & { readonly tenantId: TenantId };

/** The snapshot before its enumerations and entities have been checked. */
export interface UncheckedIncident {
  readonly incidentId: string;
  readonly tenantId: string;
  readonly projectId: string;
  readonly moduleId: string | null;
  readonly title: string;
  readonly severity: string;
  readonly status: string;
  readonly source: string;
  readonly sourceRef: string | null;
  readonly traceId: string | null;
  readonly openedAt: string;
  readonly escalationStartsAt: string;
  readonly acknowledgedAt: string | null;
  readonly resolvedAt: string | null;
  readonly rootCause: string | null;
  readonly statusChangedAt: string;
  readonly dimensions: TelemetryDimensionsInput | null;
  readonly escalationPolicyId?: string | null;
  readonly escalationSteps: readonly EscalationStepInput[];
  readonly events: readonly IncidentEventInput[];
}

export function rootCause(value: string | null | undefined): string {
  const text = typeof value === 'string' ? value.trim() : '';
  ensure(
    text !== '' && text.length <= ROOT_CAUSE_MAX_LENGTH,
    'incident.root_cause_required',
    `resolving needs a root cause (1-${ROOT_CAUSE_MAX_LENGTH} characters)`,
  );
  return text;
}

export function ensureTenant(tenant: TenantId, other: string, what: string): void {
  ensure(tenant === other, 'incident.tenant_mismatch', `${what} belongs to another tenant`, {
    tenantId: tenant,
    otherTenantId: other,
  });
}

function instant(value: string, field: string): number {
  return parseInstant(value, field);
}

function optionalIso(value: string | null, field: string): string | null {
  return value === null ? null : toIso(instant(value, field));
}

function sourceRef(source: IncidentSource, ref: string | null): string | null {
  const value = ref === null || ref.trim() === '' ? null : ref;
  if (source === 'manual') {
    ensure(value === null, 'incident.invalid_source_ref', 'a manual incident has no sourceRef');
    return null;
  }
  ensure(
    value !== null && value.length <= 512,
    'incident.source_ref_required',
    `an incident from ${source} must name its ${source} (sourceRef)`,
    { source },
  );
  return source === 'trace' ? toTraceId(value) : value;
}

/** Timestamps and rootCause must match the status, whichever path built the state. */
function ensureLifecycle(state: IncidentState): void {
  const resolved = state.status === 'resolved';
  ensure(
    state.resolvedAt === null || state.rootCause !== null,
    'incident.root_cause_required',
    'a resolved incident needs a root cause',
  );
  const consistent =
    resolved === (state.resolvedAt !== null) &&
    resolved === (state.rootCause !== null) &&
    (state.status !== 'open' || state.acknowledgedAt === null) &&
    (!isAcknowledged(state.status) || state.acknowledgedAt !== null);
  const opened = Date.parse(state.openedAt);
  const ordered = [
    state.acknowledgedAt,
    state.resolvedAt,
    state.statusChangedAt,
    state.escalationStartsAt,
  ].every((t) => t === null || Date.parse(t) >= opened);
  ensure(
    consistent && ordered,
    'incident.inconsistent_lifecycle',
    'acknowledgedAt, resolvedAt, rootCause and statusChangedAt must match the status, and no instant is before openedAt',
    { status: state.status },
  );
}

const POLICY_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function policyId(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  ensure(
    POLICY_ID_PATTERN.test(value),
    'incident.invalid_escalation',
    'escalationPolicyId must be a lower-case uuid',
  );
  return value;
}

/** Every invariant of the aggregate, for open and rehydrate alike. */
export function validIncident(fields: UncheckedIncident): IncidentState {
  const tenant = toTenantId(fields.tenantId);
  const source = incidentSource(fields.source);
  const moduleId =
    fields.moduleId === null || fields.moduleId.trim() === '' ? null : fields.moduleId;
  const dimensions = fields.dimensions === null ? null : telemetryDimensions(fields.dimensions);
  if (dimensions !== null) ensureTenant(tenant, dimensions.tenantId, 'the dimensions');
  const state: IncidentState = {
    incidentId: requiredText(fields.incidentId, 'incidentId', 'incident.invalid_id'),
    tenantId: tenant,
    projectId: requiredText(fields.projectId, 'projectId', 'incident.project_required'),
    moduleId,
    title: requiredText(fields.title, 'title', 'incident.title_required', TITLE_MAX_LENGTH).trim(),
    severity: toSeverity(fields.severity),
    status: incidentStatus(fields.status),
    source,
    sourceRef: sourceRef(source, fields.sourceRef),
    traceId: fields.traceId === null ? null : toTraceId(fields.traceId),
    openedAt: toIso(instant(fields.openedAt, 'openedAt')),
    escalationStartsAt: toIso(instant(fields.escalationStartsAt, 'escalationStartsAt')),
    acknowledgedAt: optionalIso(fields.acknowledgedAt, 'acknowledgedAt'),
    resolvedAt: optionalIso(fields.resolvedAt, 'resolvedAt'),
    rootCause: fields.rootCause === null ? null : rootCause(fields.rootCause),
    statusChangedAt: toIso(instant(fields.statusChangedAt, 'statusChangedAt')),
    dimensions,
    escalationPolicyId: policyId(fields.escalationPolicyId),
    escalationSteps: escalationPolicy(
      fields.escalationSteps,
      // A policy's repeats expand into more steps than a hand-written list may hold.
      (fields.escalationPolicyId ?? null) === null
        ? MAX_ESCALATION_STEPS
        : MAX_POLICY_ESCALATION_STEPS,
    ),
    events: fields.events.map(incidentEvent),
  };
  ensureLifecycle(state);
  return state;
}
