import { HEADERS, streamKeyOf, topicFor, type Envelope } from '@obs/event-envelope';
import type { BusMessage } from '../bus/event-bus.js';

/**
 * The Kafka record of an envelope, exactly as the platform publishes it: its topic, the event's
 * declared stream as key (MetricAggregated: the series, not the window), the envelope JSON as value
 * and the event-type / event-version / tenant-id / traceparent headers. The outbox writer and the
 * test kit both use this, so fixtures key and label records the way production does.
 */
export function busMessageOf(envelope: Envelope, traceparent?: string): BusMessage {
  return {
    topic: topicFor(envelope.eventType),
    key: streamKeyOf(envelope),
    value: JSON.stringify(envelope),
    headers: {
      [HEADERS.eventType]: envelope.eventType,
      [HEADERS.eventVersion]: String(envelope.eventVersion),
      [HEADERS.tenantId]: envelope.tenantId,
      ...(traceparent ? { [HEADERS.traceparent]: traceparent } : {}),
    },
  };
}
