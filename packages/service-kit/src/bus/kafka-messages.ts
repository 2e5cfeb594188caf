import type { IHeaders, KafkaMessage, TopicMessages } from 'kafkajs';
import type { BusMessage, DeliveredMessage } from './event-bus.js';

/**
 * Groups a publish call by topic for one `sendBatch` request. Order inside each topic is kept, which
 * is all Kafka can promise anyway (order exists per partition, and a key always maps to one).
 */
export function toTopicMessages(messages: readonly BusMessage[]): TopicMessages[] {
  const byTopic = new Map<string, TopicMessages>();
  for (const { topic, key, value, headers } of messages) {
    let entry = byTopic.get(topic);
    if (!entry) {
      entry = { topic, messages: [] };
      byTopic.set(topic, entry);
    }
    entry.messages.push({ key, value, headers: { ...headers } });
  }
  return [...byTopic.values()];
}

export function toDeliveredMessage(
  topic: string,
  partition: number,
  message: KafkaMessage,
): DeliveredMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? '',
    value: message.value?.toString('utf8') ?? '',
    headers: headersToStrings(message.headers),
  };
}

/** Kafka allows a header name to repeat; like Java's `lastHeader`, the last value wins. */
function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) result[name] = value.toString();
  }
  return result;
}
