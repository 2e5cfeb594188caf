import { consumerOf, type ConsumerDefinition } from '@obs/service-kit';
import type { SpanMetricsIngest } from '../ingest/span-metrics-ingest.js';

/**
 * SpanMetricsRecorded (trace-service, at trace assembly) → the RED series. Exactly once per event
 * through the kit's inbox: the points, the running totals and the inbox row commit together, so a
 * redelivered event finds its row and adds nothing.
 */
export function spanMetricsConsumer(ingest: SpanMetricsIngest): ConsumerDefinition {
  return consumerOf('span-metrics', {
    // earliest: spans assembled while this service was first deploying must still be counted;
    // their points keep the assembly time, so windows already closed count them as late.
    startFrom: 'earliest',
    on: {
      SpanMetricsRecorded: (envelope, tx) => ingest.record(tx, envelope.tenantId, envelope.payload),
    },
  });
}
