import {
  silenceMatches,
  type AlertAction,
  type AlertResolvedPayload,
  type AlertTriggeredPayload,
  type DomainEvent,
} from '@obs/domain';
import type { Transaction } from '@obs/service-kit';
import { activeSilences } from '../silence.queries.js';
import { alertLabels } from './alertmanager-payload.js';
import { queueNotifications } from './notification-writer.js';

/** What muting decided for one evaluation's events. */
export interface MutedEvents {
  /** The events to publish: a silenced AlertTriggered says so and carries no actions. */
  readonly events: DomainEvent[];
  /** Fingerprints whose alert (firing or resolving) is muted now: no notification for them. */
  readonly muted: ReadonlySet<string>;
}

/**
 * Applies the tenant's silences active at `now` (the service clock) to the alerts an evaluation
 * recorded. A silenced AlertTriggered keeps its place on the topic — the alert's state is real —
 * but carries `silenced: true`, `silencedBy` and `actions: []`, so incident-service (which opens
 * an incident only for an `incident` action) opens none, and no notification is queued for it. A
 * resolution while a silence matches is not notified either.
 */
export async function muteAlerts(
  tx: Transaction,
  tenantId: string,
  events: readonly DomainEvent[],
  now: number,
): Promise<MutedEvents> {
  const alerts = events.filter(
    (e) => e.eventType === 'AlertTriggered' || e.eventType === 'AlertResolved',
  );
  if (alerts.length === 0) return { events: [...events], muted: new Set() };
  const silences = await activeSilences(tx.manager, tenantId, now);
  if (silences.length === 0) return { events: [...events], muted: new Set() };
  const muted = new Set<string>();
  const out = events.map((event) => {
    if (event.eventType !== 'AlertTriggered' && event.eventType !== 'AlertResolved') return event;
    const alert = event.payload as AlertTriggeredPayload | AlertResolvedPayload;
    const labels = alertLabels(alert);
    const by = silences.filter((s) => silenceMatches(s, labels)).map((s) => s.silenceId);
    if (by.length === 0) return event;
    muted.add(alert.fingerprint);
    if (event.eventType === 'AlertResolved') return event;
    const payload: AlertTriggeredPayload = {
      ...(alert as AlertTriggeredPayload),
      actions: [],
      silenced: true,
      silencedBy: by.slice(0, 100),
    };
    return { ...event, payload };
  });
  return { events: out, muted };
}

/**
 * Publishes what one rule's evaluation recorded and queues the notifications owed, in the
 * evaluation's transaction, after muting (silences). The consumer and the alert clock both end
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
