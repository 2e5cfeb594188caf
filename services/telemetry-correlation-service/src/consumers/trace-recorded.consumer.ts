import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import { factsOfTraceRecorded } from '../correlation-facts.js';
import type { CorrelationIntake } from '../correlation-intake.js';

/** TraceRecorded (obs.trace-record.v1) → links the trace and sets the correlation's dimensions. */
export function traceRecordedConsumer(intake: CorrelationIntake): ConsumerDefinition {
  return consumerOf('trace-recorded', {
    // earliest: a correlation is state built from history; a trace recorded before this consumer
    // first ran would otherwise never be linked. Replays are no-ops (inbox and set semantics).
    startFrom: 'earliest',
    on: { TraceRecorded: (envelope, tx) => intake.apply(tx, factsOfTraceRecorded(envelope)) },
  });
}
