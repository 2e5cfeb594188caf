import { topicFor } from '@obs/event-envelope';
import type { ConsumerDefinition } from '@obs/service-kit';
import { factsOfIncident } from '../correlation-facts.js';
import type { CorrelationIntake } from '../correlation-intake.js';

/**
 * IncidentOpened and IncidentResolved (obs.incident.v1) → links the incident to its trace. Both
 * name the same incident, so whichever arrives first makes the link and the other changes nothing.
 * The internal IncidentAcknowledged / IncidentEscalated on the same topic are skipped.
 */
export function incidentConsumer(intake: CorrelationIntake): ConsumerDefinition {
  return {
    name: 'incident',
    topics: [topicFor('IncidentOpened')],
    eventTypes: ['IncidentOpened', 'IncidentResolved'],
    // earliest: as for trace-recorded, links are built from the whole history.
    startFrom: 'earliest',
    async handle(envelope, tx) {
      if (envelope.eventType !== 'IncidentOpened' && envelope.eventType !== 'IncidentResolved') {
        return;
      }
      await intake.apply(tx, factsOfIncident(envelope));
    },
  };
}
