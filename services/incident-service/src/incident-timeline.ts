import {
  Incident,
  type IncidentDomainEvent,
  type IncidentEvent,
  type IncidentSnapshot,
} from '@obs/domain';

/**
 * LOCAL WORKAROUNDS for two things packages/domain has no intent method for (reported to the
 * lead; each would be a one-line domain addition):
 * 1. `acknowledge`, `resolve` and `escalate` take no note, but the API accepts `{ actor, note? }`
 *    on every command. The note is written onto the timeline line the command just added.
 * 2. `recordRecurrence` only accepts an AlertTriggered; an SloBreached for an SLO that already
 *    has an unresolved incident appends its `recurrence` line here.
 * Both go through `Incident.rehydrate`, so every invariant (note length, actor, event type) is
 * still checked by the domain, and the events the command recorded are carried over untouched.
 */
export interface RewrittenIncident {
  readonly incident: Incident;
  /** The domain events the incident had recorded before the rewrite; publish these. */
  readonly events: readonly IncidentDomainEvent[];
}

function rewriteTimeline(
  incident: Incident,
  change: (events: readonly IncidentEvent[]) => IncidentEvent[],
): RewrittenIncident {
  const events = incident.pullEvents();
  const snapshot: IncidentSnapshot = incident.toSnapshot();
  return {
    incident: Incident.rehydrate({ ...snapshot, events: change(snapshot.events) }),
    events,
  };
}

/** Adds the caller's note to the line the last command appended (kept after any domain note). */
export function withNoteOnLastLine(
  incident: Incident,
  note: string | null | undefined,
): RewrittenIncident {
  if (note === null || note === undefined || note.trim() === '') {
    return { incident, events: incident.pullEvents() };
  }
  return rewriteTimeline(incident, (lines) => {
    const last = lines[lines.length - 1];
    if (last === undefined) return [...lines];
    const text = last.note === null ? note.trim() : `${last.note}: ${note.trim()}`;
    return [...lines.slice(0, -1), { ...last, note: text }];
  });
}

/** Appends one line (an SLO recurrence) to an unresolved incident's timeline. */
export function appendTimelineLine(incident: Incident, line: IncidentEvent): RewrittenIncident {
  return rewriteTimeline(incident, (lines) => [...lines, line]);
}
