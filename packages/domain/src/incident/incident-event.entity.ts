import { ensure } from '../kernel/domain-error.js';
import { requiredText } from '../kernel/ids.js';
import { parseInstant, toIso } from '../kernel/time.js';

/** The timeline kinds: status changes carry the status they entered. */
export const INCIDENT_EVENT_TYPES = [
  'opened',
  'acknowledged',
  'investigating',
  'mitigated',
  'resolved',
  'escalated',
  'recurrence',
  'postmortem_note',
  /** The alert that opened the incident stopped firing (AlertResolved); no status change. */
  'alert_resolved',
  /** An escalation step paged whoever a schedule puts on call (`paged <member> ...`). */
  'paged',
] as const;
export type IncidentEventType = (typeof INCIDENT_EVENT_TYPES)[number];

export const NOTE_MAX_LENGTH = 10_000;
export const ACTOR_MAX_LENGTH = 256;
/** Who acts when no person does: automatic escalation, opening from a signal. */
export const SYSTEM_ACTOR = 'system';

/** Entity: one line of the incident's timeline. */
export interface IncidentEvent {
  readonly timestamp: string;
  readonly type: IncidentEventType;
  readonly actor: string;
  readonly note: string | null;
}

export interface IncidentEventInput {
  readonly timestamp: string;
  readonly type: string;
  readonly actor: string;
  readonly note?: string | null;
}

export function actor(value: string): string {
  return requiredText(value, 'actor', 'incident.actor_required', ACTOR_MAX_LENGTH).trim();
}

/** Optional free text: blank becomes null so "no note" has one representation. */
export function optionalNote(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  ensure(
    value.length <= NOTE_MAX_LENGTH,
    'incident.invalid_note',
    `a note holds at most ${NOTE_MAX_LENGTH} characters`,
    { length: value.length },
  );
  return value.trim();
}

export function incidentEvent(input: IncidentEventInput): IncidentEvent {
  ensure(
    (INCIDENT_EVENT_TYPES as readonly string[]).includes(input.type),
    'incident.invalid_event',
    `event type must be one of ${INCIDENT_EVENT_TYPES.join(', ')}`,
    { type: input.type },
  );
  return {
    timestamp: toIso(parseInstant(input.timestamp, 'timestamp')),
    type: input.type as IncidentEventType,
    actor: actor(input.actor),
    note: optionalNote(input.note),
  };
}
