import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import type { QualityIntake } from '../quality-intake.js';

/**
 * IncidentOpened and IncidentResolved (obs.incident.v1) → the incident input, then a recompute.
 * One consumer for both, so an incident's two events are applied in their partition's order.
 */
export function incidentConsumer(intake: QualityIntake): ConsumerDefinition {
  return consumerOf('incident', {
    // earliest: incidents opened before this group joined still weigh on their windows.
    startFrom: 'earliest',
    on: {
      IncidentOpened: (envelope, tx) => intake.incidentOpened(envelope, tx),
      IncidentResolved: (envelope, tx) => intake.incidentResolved(envelope, tx),
    },
  });
}
