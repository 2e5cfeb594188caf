import { randomUUID } from 'node:crypto';
import {
  DIMENSION_ATTRIBUTE_KEYS,
  DIMENSION_NAMES,
  Incident,
  TITLE_MAX_LENGTH,
  alertTitle,
  type AlertSignal,
  type IncidentDomainEvent,
  type TelemetryDimensionsInput,
} from '@obs/domain';
import type { Envelope } from '@obs/event-envelope';
import type { Transaction } from '@obs/service-kit';
import type { IncidentServiceConfig } from './config.js';
import { appendTimelineLine } from './incident-timeline.js';
import type { IncidentRepository } from './incident.repository.js';

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

/** `SLO breached: <name>`, cut to the domain's title limit. */
export function sloTitle(name: string): string {
  const title = `SLO breached: ${name}`;
  return title.length <= TITLE_MAX_LENGTH ? title : `${title.slice(0, TITLE_MAX_LENGTH - 1)}…`;
}

/**
 * Opens incidents from detection events, one unresolved incident per (tenant, source, sourceRef):
 * a signal whose alert fingerprint / SLO already has one appends a recurrence line instead. The
 * incident belongs to the event's tenant (the envelope tenantId, never a payload field).
 * Runs inside the consumer's transaction, next to its inbox row, so a redelivery is a no-op.
 */
export class IncidentIntake {
  constructor(
    private readonly repository: IncidentRepository,
    private readonly config: IncidentServiceConfig,
  ) {}

  async alertTriggered(envelope: Envelope<'AlertTriggered'>, tx: Transaction): Promise<void> {
    const alert: AlertSignal = {
      tenantId: envelope.tenantId,
      traceId: envelope.traceId,
      payload: envelope.payload,
    };
    const payload = envelope.payload;
    const open = await this.repository.loadUnresolvedBySource(
      tx,
      envelope.tenantId,
      'alert',
      payload.fingerprint,
    );
    if (open) {
      open.incident.recordRecurrence(alert);
      await this.save(tx, open.incident, open.incident.pullEvents(), open.version);
      return;
    }
    // Incident.fromAlert's mapping, plus the dimensions the group may carry (fromAlert takes none).
    const incident = Incident.create({
      incidentId: randomUUID(),
      tenantId: envelope.tenantId,
      projectId: payload.projectId,
      moduleId: payload.moduleId,
      title: alertTitle(payload),
      severity: payload.severity,
      source: 'alert',
      sourceRef: payload.fingerprint,
      traceId: envelope.traceId,
      dimensions: dimensionsOfGroup(payload.group, envelope.tenantId),
      openedAt: payload.firedAt,
      escalationSteps: this.config.escalationPolicy,
      sourceTenantId: alert.tenantId,
    });
    await this.save(tx, incident, incident.pullEvents(), 0);
  }

  async sloBreached(envelope: Envelope<'SloBreached'>, tx: Transaction): Promise<void> {
    const payload = envelope.payload;
    const open = await this.repository.loadUnresolvedBySource(
      tx,
      envelope.tenantId,
      'slo',
      payload.sloId,
    );
    if (open) {
      const { incident, events } = appendTimelineLine(open.incident, {
        timestamp: payload.breachedAt,
        type: 'recurrence',
        actor: payload.sloId,
        note: `SLO ${payload.name} breached again: ${payload.badPct}% bad events (budget ${payload.errorBudget}%)`,
      });
      await this.save(tx, incident, events, open.version);
      return;
    }
    const incident = Incident.create({
      incidentId: randomUUID(),
      tenantId: envelope.tenantId,
      projectId: payload.projectId,
      moduleId: null,
      title: sloTitle(payload.name),
      severity: this.config.sloSeverity,
      source: 'slo',
      sourceRef: payload.sloId,
      traceId: envelope.traceId,
      dimensions: null,
      openedAt: payload.breachedAt,
      escalationSteps: this.config.escalationPolicy,
      sourceTenantId: envelope.tenantId,
    });
    await this.save(tx, incident, incident.pullEvents(), 0);
  }

  private async save(
    tx: Transaction,
    incident: Incident,
    events: readonly IncidentDomainEvent[],
    expectedVersion: number,
  ): Promise<void> {
    const version = await this.repository.save(tx, incident, expectedVersion);
    await tx.publish(events, version);
  }
}
