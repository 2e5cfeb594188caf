import { randomUUID } from 'node:crypto';
import {
  DIMENSION_ATTRIBUTE_KEYS,
  DIMENSION_NAMES,
  Incident,
  type EscalationPolicy,
  type AlertSignal,
  type SignalIntake,
  type SloSignal,
  type TelemetryDimensionsInput,
} from '@obs/domain';
import type { Envelope } from '@obs/event-envelope';
import type { Transaction } from '@obs/service-kit';
import type { IncidentServiceConfig } from './config.js';
import { loadUnresolvedBySource, type IncidentStore } from './incident.repository.js';
import { policyNamed } from './on-call.queries.js';

/**
 * The eleven dimensions when the alert's group carries all of them (by dimension name or OTLP
 * attribute key; the tenant defaults to the event's), otherwise null: a partial set is not a
 * TelemetryDimensions, and the group key still shows in the title.
 */
export function dimensionsOfGroup(
  group: Readonly<Record<string, string>>,
  tenantId: string,
): TelemetryDimensionsInput | null {
  const dimensions: Record<string, string> = {};
  for (const name of DIMENSION_NAMES) {
    const value = group[name] ?? group[DIMENSION_ATTRIBUTE_KEYS[name]];
    if (value !== undefined) dimensions[name] = value;
    else if (name === 'tenantId') dimensions[name] = tenantId;
    else return null;
  }
  return dimensions;
}

/**
 * Whether an alert asks for an incident: its rule has an `incident` action. An AlertTriggered
 * without `actions` comes from a producer older than the field and keeps the old behaviour (every
 * alert opens one).
 */
export function alertOpensIncident(payload: { readonly actions?: readonly { type: string }[] }) {
  return payload.actions === undefined || payload.actions.some((a) => a.type === 'incident');
}

/**
 * Opens incidents from detection events, one unresolved incident per (tenant, source, sourceRef):
 * a signal whose alert fingerprint / SLO already has one appends a recurrence line instead. The
 * incident belongs to the event's tenant (the envelope tenantId, never a payload field).
 * Runs inside the consumer's transaction, next to its inbox row, so a redelivery is a no-op.
 *
 * Replays: the incident opens at the signal's time (event time), but a signal older than
 * `replayHorizonMs` at intake has its escalation delays counted from the intake (`clock`, the
 * service's injected clock), so re-reading old events does not page every step at once.
 */
export class IncidentIntake {
  constructor(
    private readonly store: IncidentStore,
    private readonly config: IncidentServiceConfig,
    private readonly clock: () => number,
  ) {}

  async alertTriggered(envelope: Envelope<'AlertTriggered'>, tx: Transaction): Promise<void> {
    const alert: AlertSignal = {
      tenantId: envelope.tenantId,
      traceId: envelope.traceId,
      payload: envelope.payload,
    };
    const open = await loadUnresolvedBySource(
      this.store,
      tx,
      envelope.tenantId,
      'alert',
      alert.payload.fingerprint,
    );
    if (open) {
      // The alert belongs to an incident already open (even if its rule dropped the action since).
      open.aggregate.recordRecurrence(alert);
      await this.store.save(tx, open.aggregate, open.version);
      return;
    }
    // A rule without an `incident` action only notifies its receivers.
    if (!alertOpensIncident(alert.payload)) return;
    const policy = await this.policyOf(alert.payload, envelope.tenantId, tx);
    const incident = Incident.fromAlert({
      incidentId: randomUUID(),
      tenantId: envelope.tenantId,
      alert,
      dimensions: dimensionsOfGroup(alert.payload.group, envelope.tenantId),
      escalationSteps: policy?.incidentSteps() ?? this.config.escalationPolicy,
      escalationPolicyId: policy?.id ?? null,
      intake: this.intake(),
    });
    await this.store.save(tx, incident, 0);
  }

  /**
   * AlertResolved: a timeline line on the alert's unresolved incident (no status change, no
   * auto-resolve). Without one (the rule has no incident action, or it is resolved already) it
   * changes nothing.
   */
  async alertResolved(envelope: Envelope<'AlertResolved'>, tx: Transaction): Promise<boolean> {
    const open = await loadUnresolvedBySource(
      this.store,
      tx,
      envelope.tenantId,
      'alert',
      envelope.payload.fingerprint,
    );
    if (!open) return false;
    open.aggregate.recordAlertResolved({ tenantId: envelope.tenantId, payload: envelope.payload });
    await this.store.save(tx, open.aggregate, open.version);
    return true;
  }

  async sloBreached(envelope: Envelope<'SloBreached'>, tx: Transaction): Promise<void> {
    const breach: SloSignal = {
      tenantId: envelope.tenantId,
      traceId: envelope.traceId,
      payload: envelope.payload,
    };
    const open = await loadUnresolvedBySource(
      this.store,
      tx,
      envelope.tenantId,
      'slo',
      breach.payload.sloId,
    );
    if (open) {
      open.aggregate.recordSloRecurrence(breach);
      await this.store.save(tx, open.aggregate, open.version);
      return;
    }
    const incident = Incident.fromSloBreach({
      incidentId: randomUUID(),
      tenantId: envelope.tenantId,
      breach,
      severity: this.config.sloSeverity,
      escalationSteps: this.config.escalationPolicy,
      intake: this.intake(),
    });
    await this.store.save(tx, incident, 0);
  }

  /**
   * The escalation policy the rule's `incident` action names (by id or name; the first action
   * that names an existing policy of the tenant), or undefined for the default policy: a target
   * naming no policy, a policy deleted since, or an event without actions.
   */
  private async policyOf(
    payload: { readonly actions?: readonly { type: string; target: string }[] },
    tenantId: string,
    tx: Transaction,
  ): Promise<EscalationPolicy | undefined> {
    for (const action of payload.actions ?? []) {
      if (action.type !== 'incident') continue;
      const policy = await policyNamed(tx.manager, tenantId, action.target);
      if (policy) return policy;
    }
    return undefined;
  }

  private intake(): SignalIntake {
    return {
      receivedAt: new Date(this.clock()).toISOString(),
      replayHorizonMs: this.config.replayHorizonMs,
    };
  }
}
