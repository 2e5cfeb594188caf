import { randomUUID } from 'node:crypto';
import { parseEnvelope, type Envelope, type EventType } from '@obs/event-envelope';
import { expect } from 'vitest';
import type { DeliveredMessage, EventBus, Subscription } from '../bus/event-bus.js';

export interface ReadRecord {
  readonly message: DeliveredMessage;
  /** Undefined when the value is not a valid canonical envelope (there should be none). */
  readonly envelope: Envelope | undefined;
}

/**
 * Reads topics from the beginning through the service's own bus port (Kafka or the PostgreSQL
 * event log, as the service under test uses), with a group of its own, into memory: a test waits
 * for what it expects by polling, never by sleeping a fixed time.
 */
export class TopicReader {
  readonly records: ReadRecord[] = [];
  private subscription: Subscription | undefined;

  static async open(bus: EventBus, topics: readonly string[]): Promise<TopicReader> {
    const reader = new TopicReader();
    await bus.ensureTopics(topics);
    reader.subscription = await bus.subscribe(
      { groupId: `test-reader-${randomUUID()}`, topics, fromBeginning: true },
      (message) => {
        let envelope: Envelope | undefined;
        try {
          envelope = parseEnvelope(JSON.parse(message.value) as unknown);
        } catch {
          envelope = undefined;
        }
        reader.records.push({ message, envelope });
        return Promise.resolve();
      },
    );
    return reader;
  }

  /** Values that are not valid canonical envelopes. */
  invalid(): string[] {
    return this.records.filter((r) => r.envelope === undefined).map((r) => r.message.value);
  }

  /** Envelopes of the tenant (and type), in arrival order. */
  of<T extends EventType>(tenantId: string, eventType?: T): Envelope<T>[] {
    return this.records.flatMap((r) =>
      r.envelope &&
      r.envelope.tenantId === tenantId &&
      (eventType === undefined || r.envelope.eventType === eventType)
        ? [r.envelope as Envelope<T>]
        : [],
    );
  }

  /** The record that carried an event, for its key and headers. */
  messageOf(eventId: string): DeliveredMessage | undefined {
    return this.records.find((r) => r.envelope?.eventId === eventId)?.message;
  }

  /** Waits until the tenant has at least `count` events of the type, and returns them. */
  async waitFor<T extends EventType>(
    tenantId: string,
    eventType: T,
    count = 1,
    timeoutMs = 30_000,
  ): Promise<Envelope<T>[]> {
    await expect
      .poll(() => this.of(tenantId, eventType).length, { timeout: timeoutMs, interval: 100 })
      .toBeGreaterThanOrEqual(count);
    return this.of(tenantId, eventType);
  }

  async close(): Promise<void> {
    await this.subscription?.stop();
  }
}
