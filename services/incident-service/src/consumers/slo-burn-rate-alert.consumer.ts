import { randomUUID } from 'node:crypto';
import { Incident, toIso } from '@obs/domain';
import type { Envelope } from '@obs/event-envelope';
import { consumerOf, type ConsumerDefinition, type Transaction } from '@obs/service-kit';
import type { IncidentServiceConfig } from '../config.js';
import { loadUnresolvedBySource, type IncidentStore } from '../incident.repository.js';

/**
 * SloBurnRateAlertFired / SloBurnRateAlertResolved (obs.slo-definition.v1), from slo-service's
 * multiwindow burn-rate alerts (docs/services/slo.md#burn-rate-alerts):
 *
 * - Fired, severity `page` → opens an incident (source `slo`, sourceRef the SLO id, severity
 *   INCIDENT_SLO_SEVERITY, the default escalation policy), or a recurrence line on the SLO's
 *   unresolved incident. The sourceRef is the SLO's, as for SloBreached, so a breach that follows
 *   the page lands on the same incident instead of opening a second one.
 * - Fired, severity `ticket` → opens nothing (a ticket is a notification, not a page); on the
 *   SLO's unresolved incident it is a recurrence line like a page.
 * - Resolved → an `alert_resolved` line on the SLO's unresolved incident, no status change (as
 *   for AlertResolved: whether the problem is over is for people to say).
 *
 * Idempotent by event id: the kit's inbox applies each envelope once per consumer group, in the
 * transaction that saves the incident. Replays follow the intake rule of the other consumers: an
 * alert older than INCIDENT_REPLAY_HORIZON_MS escalates from the intake, not from firedAt
 * (the domain's escalationStart).
 */
export function sloBurnRateAlertConsumer(
  store: IncidentStore,
  config: IncidentServiceConfig,
  clock: () => number,
): ConsumerDefinition {
  async function fired(envelope: Envelope<'SloBurnRateAlertFired'>, tx: Transaction) {
    const alert = {
      tenantId: envelope.tenantId,
      traceId: envelope.traceId,
      payload: envelope.payload,
    };
    const open = await loadUnresolvedBySource(
      store,
      tx,
      envelope.tenantId,
      'slo',
      envelope.payload.sloId,
    );
    if (open) {
      open.aggregate.recordSloBurnRateAlert(alert);
      await store.save(tx, open.aggregate, open.version);
      return;
    }
    if (envelope.payload.severity !== 'page') return;
    const incident = Incident.fromSloBurnRateAlert({
      incidentId: randomUUID(),
      tenantId: envelope.tenantId,
      alert,
      severity: config.sloSeverity,
      escalationSteps: config.escalationPolicy,
      intake: { receivedAt: toIso(clock()), replayHorizonMs: config.replayHorizonMs },
    });
    await store.save(tx, incident, 0);
  }

  async function resolved(envelope: Envelope<'SloBurnRateAlertResolved'>, tx: Transaction) {
    const open = await loadUnresolvedBySource(
      store,
      tx,
      envelope.tenantId,
      'slo',
      envelope.payload.sloId,
    );
    if (!open) return;
    open.aggregate.recordSloBurnRateAlertResolved({
      tenantId: envelope.tenantId,
      payload: envelope.payload,
    });
    await store.save(tx, open.aggregate, open.version);
  }

  return consumerOf('slo-burn-rate-alert', {
    // earliest: a page that fired before this group first joined must still open its incident.
    startFrom: 'earliest',
    on: { SloBurnRateAlertFired: fired, SloBurnRateAlertResolved: resolved },
  });
}
