import {
  inhibitingRules,
  silenceMatches,
  type AlertAction,
  type AlertResolvedPayload,
  type AlertTriggeredPayload,
  type DomainEvent,
} from '@obs/domain';
import type { Transaction } from '@obs/service-kit';
import { tenantInhibitionRules } from '../inhibition-rule.queries.js';
import { activeSilences } from '../silence.queries.js';
import { firingAlerts, recordFiring } from './firing-alerts.js';
import { alertLabels } from './alertmanager-payload.js';
import { queueNotifications } from './notification-writer.js';

/** What muting decided for one evaluation's events. */
export interface MutedEvents {
  /** The events to publish: a muted AlertTriggered says why and carries no actions. */
  readonly events: DomainEvent[];
  /** Fingerprints whose alert (firing or resolving) is muted now: no notification for them. */
  readonly muted: ReadonlySet<string>;
}

type AlertEvent = DomainEvent & { readonly eventType: 'AlertTriggered' | 'AlertResolved' };
const isAlert = (e: DomainEvent): e is AlertEvent =>
  e.eventType === 'AlertTriggered' || e.eventType === 'AlertResolved';

/**
 * Applies the tenant's silences active at `now` (the service clock) and its inhibition rules to
 * the alerts an evaluation recorded. A muted AlertTriggered keeps its place on the topic — the
 * alert's state is real — but carries `silenced: true` and `silencedBy` (silences) or
 * `inhibitedBy` (inhibition rules) and `actions: []`, so incident-service (which opens an incident
 * only for an `incident` action) opens none, and no notification is queued for it. A resolution
 * while a silence matches is not notified either; inhibition mutes firing only (a resolution goes
 * to the receivers told of the firing, as without inhibition).
 *
 * The firing-alert set inhibition reads is updated first, so an alert of this very evaluation
 * (another group of the rule) can inhibit, and a resolved one no longer does.
 */
export async function muteAlerts(
  tx: Transaction,
  tenantId: string,
  events: readonly DomainEvent[],
  now: number,
): Promise<MutedEvents> {
  const alerts = events.filter(isAlert);
  if (alerts.length === 0) return { events: [...events], muted: new Set() };
  await recordFiring(tx.manager, tenantId, alerts, now);
  const silences = await activeSilences(tx.manager, tenantId, now);
  const inhibitions = await tenantInhibitionRules(tx.manager, tenantId);
  if (silences.length === 0 && inhibitions.length === 0) {
    return { events: [...events], muted: new Set() };
  }
  const firing = inhibitions.length > 0 ? await firingAlerts(tx.manager, tenantId) : [];
  const muted = new Set<string>();
  const out = events.map((event) => {
    if (!isAlert(event)) return event;
    const alert = event.payload as AlertTriggeredPayload | AlertResolvedPayload;
    const labels = alertLabels(alert);
    const silencedBy = silences.filter((s) => silenceMatches(s, labels)).map((s) => s.silenceId);
    const inhibitedBy =
      event.eventType === 'AlertTriggered'
        ? inhibitingRules(inhibitions, { fingerprint: alert.fingerprint, labels }, firing)
        : [];
    if (silencedBy.length === 0 && inhibitedBy.length === 0) return event;
    muted.add(alert.fingerprint);
    if (event.eventType === 'AlertResolved') return event;
    const payload: AlertTriggeredPayload = {
      ...(alert as AlertTriggeredPayload),
      actions: [],
      ...(silencedBy.length > 0 ? { silenced: true, silencedBy: silencedBy.slice(0, 100) } : {}),
      ...(inhibitedBy.length > 0 ? { inhibitedBy: inhibitedBy.slice(0, 100) } : {}),
    };
    return { ...event, payload };
  });
  return { events: out, muted };
}

/**
 * Publishes what one rule's evaluation recorded and queues the notifications owed, in the
 * evaluation's transaction, after muting (silences, inhibition). The consumer and the alert clock both end
 * an evaluation here. Returns the events as published.
 */
export async function publishAlerts(
  tx: Transaction,
  tenantId: string,
  actions: readonly AlertAction[],
  events: readonly DomainEvent[],
  version: number,
  now: number,
): Promise<DomainEvent[]> {
  const { events: published, muted } = await muteAlerts(tx, tenantId, events, now);
  await tx.publish(published, version);
  await queueNotifications(tx, tenantId, actions, published, now, muted);
  return published;
}
