import type { IncidentSnapshot } from '@obs/domain';

const MS_PER_MINUTE = 60_000;
/** The last instant a JavaScript Date can hold. */
const MAX_DATE_MS = 8.64e15;

/**
 * When the scheduler must next look at this incident: the first unused step of an open incident,
 * counted from escalationStartsAt as the domain counts it (levels are ordered and delays never
 * decrease, so the first unused one is the earliest). Null
 * once it is acknowledged, resolved or out of steps; the column is indexed so a tick reads only
 * due rows.
 */
export function nextEscalationAt(snapshot: IncidentSnapshot): string | null {
  if (snapshot.status !== 'open') return null;
  const next = snapshot.escalationSteps.find((step) => step.at === null);
  if (next === undefined) return null;
  const due = Date.parse(snapshot.escalationStartsAt) + next.delayMinutes * MS_PER_MINUTE;
  return Number.isFinite(due) && due <= MAX_DATE_MS ? new Date(due).toISOString() : null;
}
