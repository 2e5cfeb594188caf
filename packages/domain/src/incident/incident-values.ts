import { ensure } from '../kernel/domain-error.js';

export const INCIDENT_STATUSES = [
  'open',
  'acknowledged',
  'investigating',
  'mitigated',
  'resolved',
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const INCIDENT_SOURCES = ['alert', 'slo', 'trace', 'manual'] as const;
export type IncidentSource = (typeof INCIDENT_SOURCES)[number];

function oneOf<T extends string>(
  values: readonly T[],
  value: string,
  code: string,
  field: string,
): T {
  ensure(
    (values as readonly string[]).includes(value),
    code,
    `${field} must be one of ${values.join(', ')}`,
    { value },
  );
  return value as T;
}

export function incidentStatus(value: string): IncidentStatus {
  return oneOf(INCIDENT_STATUSES, value, 'incident.invalid_status', 'status');
}

export function incidentSource(value: string): IncidentSource {
  return oneOf(INCIDENT_SOURCES, value, 'incident.invalid_source', 'source');
}
