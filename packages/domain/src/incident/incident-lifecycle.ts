import type { IncidentStatus } from './incident-values.js';

/**
 * docs/design.md#incident: open → acknowledged → investigating → mitigated → resolved; any
 * unresolved status may go straight to resolved; mitigated → investigating on regression; resolved
 * is final. Staying in the same status is not a transition.
 */
export const INCIDENT_TRANSITIONS: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
  open: ['acknowledged', 'resolved'],
  acknowledged: ['investigating', 'resolved'],
  investigating: ['mitigated', 'resolved'],
  mitigated: ['investigating', 'resolved'],
  resolved: [],
};

export function canTransition(from: IncidentStatus, to: IncidentStatus): boolean {
  return INCIDENT_TRANSITIONS[from].includes(to);
}

export function isResolved(status: IncidentStatus): boolean {
  return status === 'resolved';
}

/** Someone has taken ownership: acknowledgedAt must be set and escalation has stopped. */
export function isAcknowledged(status: IncidentStatus): boolean {
  return status === 'acknowledged' || status === 'investigating' || status === 'mitigated';
}
