import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { DeliveredMessage } from './event-bus.js';
import { toDeliveredMessage } from './kafka-messages.js';

/** How long a read may take before it gives up (joining a group alone takes a few seconds). */
const READ_TIMEOUT_MS = 60_000;

/**
 * Reads a topic from its oldest retained message up to the high watermark each partition had
 * when the read began (or `limit` messages). kafkajs has no manual partition assignment, so a
 * throwaway group does the reading; it commits nothing and is deleted afterwards, leaving every
 * service's group where it was.
 */
export async function readKafkaTopic(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  limit: number,
): Promise<DeliveredMessage[]> {
  const ends = new Map<number, bigint>();
  for (const { partition, high, low } of await offsetsOf(admin, topic)) {
    if (BigInt(high) > BigInt(low)) ends.set(partition, BigInt(high));
  }
  if (ends.size === 0 || limit <= 0) return [];
  const groupId = `obs-topic-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId });
  const read: DeliveredMessage[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`reading ${topic} took longer than ${READ_TIMEOUT_MS} ms`)),
        READ_TIMEOUT_MS,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: ({ partition, message }) => {
            const end = ends.get(partition);
            if (end === undefined) return Promise.resolve();
            if (BigInt(message.offset) < end && read.length < limit) {
              read.push(toDeliveredMessage(topic, partition, message));
            }
            if (BigInt(message.offset) + 1n >= end) ends.delete(partition);
            if (ends.size === 0 || read.length >= limit) resolve();
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return read.sort(
    (a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)),
  );
}

/** A partition's leader can move (or be elected just after creation): retry what says so. */
async function offsetsOf(admin: Admin, topic: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
