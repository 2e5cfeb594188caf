import { topicFor } from '@obs/event-envelope';
import type { ConsumerDefinition } from '@obs/service-kit';
import type { QualityIntake } from '../quality-intake.js';

/**
 * IncidentOpened and IncidentResolved (obs.incident.v1) → the incident input, then a recompute.
 * One consumer for both, so an incident's two events are applied in their partition's order.
 */
export function incidentConsumer(intake: QualityIntake): ConsumerDefinition {
  return {
    name: 'incident',
    topics: [topicFor('IncidentOpened')],
    eventTypes: ['IncidentOpened', 'IncidentResolved'],
    // earliest: incidents opened before this group joined still weigh on their windows.
    startFrom: 'earliest',
    async handle(envelope, tx) {
      if (envelope.eventType === 'IncidentOpened') await intake.incidentOpened(envelope, tx);
      if (envelope.eventType === 'IncidentResolved') await intake.incidentResolved(envelope, tx);
    },
  };
}
