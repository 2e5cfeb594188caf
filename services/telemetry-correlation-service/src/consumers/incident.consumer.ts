import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import { factsOfIncident } from '../correlation-facts.js';
import type { CorrelationIntake } from '../correlation-intake.js';

/**
 * IncidentOpened and IncidentResolved (obs.incident.v1) → links the incident to its trace. Both
 * name the same incident, so whichever arrives first makes the link and the other changes nothing.
 * The internal IncidentAcknowledged / IncidentEscalated on the same topic are skipped.
 */
export function incidentConsumer(intake: CorrelationIntake): ConsumerDefinition {
  return consumerOf('incident', {
    // earliest: as for trace-recorded, links are built from the whole history.
    startFrom: 'earliest',
    on: {
      IncidentOpened: (envelope, tx) => intake.apply(tx, factsOfIncident(envelope)),
      IncidentResolved: (envelope, tx) => intake.apply(tx, factsOfIncident(envelope)),
    },
  });
}
